#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fast/fast.h"

namespace ocirt {
namespace fast {

bool read_file(const std::string& path, std::string& out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  ssize_t n;
  out.clear();
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  close(fd);
  return n == 0;
}

namespace {

std::string trimmed(const std::string& s) {
  size_t a = s.find_first_not_of(" \n\t\r"), b = s.find_last_not_of(" \n\t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// pid's /proc stat: state char and start time (field 22), split after the last ')'.
bool proc_stat(long pid, char& state, std::string& start_time) {
  std::string text;
  if (pid <= 0 || !read_file("/proc/" + std::to_string(pid) + "/stat", text)) return false;
  size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= text.size()) return false;
  std::string rest = text.substr(close_paren + 2);
  // rest starts at field 3 (state); starttime is field 22.
  size_t pos = 0;
  for (int field = 3; field < 22; field++) {
    pos = rest.find(' ', pos);
    if (pos == std::string::npos) return false;
    pos++;
  }
  state = rest[0];
  start_time = rest.substr(pos, rest.find(' ', pos) - pos);
  return true;
}

bool is_frozen(const JsonValue& paths) {
  for (const auto& key : paths.keys) {
    if (key == "unified") continue;
    std::string list = "," + key + ",";
    if (list.find(",freezer,") == std::string::npos) continue;
    std::string state;
    if (!read_file(paths[key].str() + "/freezer.state", state) || trimmed(state) != "FROZEN") return false;
    std::string self;
    return !read_file(paths[key].str() + "/freezer.self_freezing", self) || trimmed(self) != "0";
  }
  std::string freeze;
  if (paths["unified"].kind == JsonValue::Kind::String && read_file(paths["unified"].str() + "/cgroup.freeze", freeze))
    return trimmed(freeze) == "1";
  return false;
}
}  // namespace

void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 255 || id == "." || id == "..") return false;
  for (unsigned char c : id)
    if (!(isalnum(c) || c == '_' || c == '+' || c == '.' || c == '-')) return false;
  return true;
}

std::string container_dir(const std::string& root, const std::string& id) {
  return (root.size() > 1 && root.back() == '/' ? root.substr(0, root.size() - 1) : root) + "/" + id;
}

bool load_container(const std::string& root, const std::string& id, Container& out) {
  if (!valid_id(id)) return false;
  out.dir = container_dir(root, id);
  out.state_file = out.dir + "/state.json";
  if (!read_file(out.state_file, out.text)) return false;
  std::string error;
  if (!parse_json(out.text, out.record, error)) return false;
  const JsonValue& r = out.record;
  if (r.kind != JsonValue::Kind::Object || r["stateVersion"].text != "1" || r["id"].str() != id) return false;
  for (const char* key : {"ociVersion", "bundle", "rootfs", "created", "owner", "initStartTime", "execFifo", "status"})
    if (r[key].kind != JsonValue::Kind::String) return false;
  if (r["pid"].kind != JsonValue::Kind::Number || r["annotations"].kind != JsonValue::Kind::Object) return false;
  if (r["cgroup"]["paths"].kind != JsonValue::Kind::Object) return false;
  return true;
}

bool same_process(long pid, const std::string& start_time) {
  char state;
  std::string start;
  if (!proc_stat(pid, state, start)) return false;
  return start == start_time && state != 'Z' && state != 'X' && state != 'x';
}

bool wait_gone(long pid, const std::string& start_time, int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited++) {
    if (!same_process(pid, start_time)) return true;
    sleep_ms(1);
  }
  return false;
}

std::string live_status(const Container& c) {
  const JsonValue& r = c.record;
  long pid = long(r["pid"].i64());
  std::string status = r["status"].str();
  if (status == "creating" && pid == 0) return "creating";
  if (!same_process(pid, r["initStartTime"].str())) return "stopped";
  if (status == "creating") return "creating";
  if (is_frozen(r["cgroup"]["paths"])) return "paused";
  struct stat st;
  if (status == "created" && lstat((c.dir + "/exec.fifo").c_str(), &st) == 0) return "created";
  return "running";
}

std::string js_quote(const std::string& s) {
  std::string o = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\b': o += "\\b"; break;
      case '\f': o += "\\f"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (ch < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", ch);
          o += buf;
        } else {
          o += char(ch);
        }
    }
  }
  return o + "\"";
}

}  // namespace fast
}  // namespace ocirt
