#include "core/sync_channel.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "core/sys_error.h"

namespace ocirt {

namespace {
bool read_full(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += size_t(r);
  }
  return true;
}
}  // namespace

bool send_line(int fd, const std::string& json_line) {
  std::string data = json_line + "\n";
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = write(fd, data.data() + off, data.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += size_t(w);
  }
  return true;
}

JsonValue receive_message(int fd, const char* expected_type) {
  unsigned char len_bytes[4];
  // The runtime has gone, or has given up on this container and reports why itself.
  if (!read_full(fd, reinterpret_cast<char*>(len_bytes), 4)) _exit(1);
  uint32_t len = uint32_t(len_bytes[0]) | uint32_t(len_bytes[1]) << 8 | uint32_t(len_bytes[2]) << 16 |
                 uint32_t(len_bytes[3]) << 24;
  if (len > (64u << 20)) die_message("sync message too large");
  std::string text(len, '\0');
  if (!read_full(fd, &text[0], len)) die_message("short sync message");
  JsonValue v;
  std::string err;
  if (!parse_json(text, v, err)) die_message("malformed sync message (" + err + ")");
  if (v["type"].str() != expected_type)
    die_message(std::string("expected sync message ") + expected_type + ", got " + v["type"].str());
  return v;
}

void request_and_wait(int fd, const std::string& request_json) {
  if (!send_line(fd, request_json)) die_errno("write", "sync channel");
  receive_message(fd, "ack");
}

}  // namespace ocirt
