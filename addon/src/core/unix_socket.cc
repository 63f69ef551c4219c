#include "core/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace ocirt {

namespace {

const size_t kMaxPayload = 4096;

long long now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
}  // namespace

bool unix_address(const std::string& path, struct sockaddr_un& addr, int& dir_fd) {
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  dir_fd = -1;
  std::string target = path;
  if (path.size() >= sizeof addr.sun_path) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    dir_fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return false;
    target = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (target.size() >= sizeof addr.sun_path) {
      errno = ENAMETOOLONG;
      return false;
    }
  }
  memcpy(addr.sun_path, target.data(), target.size());
  return true;
}

int connect_unix(const std::string& path, int& fd, const char*& syscall) {
  fd = -1;
  struct sockaddr_un addr;
  int dir_fd;
  syscall = "connect";
  if (!unix_address(path, addr, dir_fd)) {
    int err = errno;
    if (dir_fd >= 0) close(dir_fd);
    return err;
  }
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int err = 0;
  if (sock < 0) {
    err = errno;
    syscall = "socket";
  } else {
    int r;
    do {
      r = connect(sock, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
    } while (r != 0 && errno == EINTR);
    if (r != 0) err = errno;
  }
  if (dir_fd >= 0) close(dir_fd);
  if (err != 0) {
    if (sock >= 0) close(sock);
    return err;
  }
  fd = sock;
  return 0;
}

bool wait_readable(int fd, int timeout_ms) {
  long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    int left = deadline < 0 ? -1 : int(deadline - now_ms());
    if (deadline >= 0 && left < 0) left = 0;
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, left);
    if (r > 0) return true;
    if (r == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

int receive_message(int sock, void* buf, size_t cap, size_t max_fds, std::vector<int>& fds, size_t& received, int& flags) {
  fds.clear();
  received = 0;
  flags = 0;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * max_fds));
  struct iovec iov = {buf, cap};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.push_back(got);
    }
  }
  received = size_t(n);
  flags = msg.msg_flags;
  return 0;
}

int receive_with_fd(int sock, std::string& payload, int& fd) {
  fd = -1;
  payload.clear();
  char data[kMaxPayload];
  std::vector<int> fds;
  size_t n;
  int flags;
  int err = receive_message(sock, data, sizeof data, 8, fds, n, flags);
  if (err) return err;
  for (size_t i = 1; i < fds.size(); i++) close(fds[i]);
  if (!fds.empty()) fd = fds[0];
  if (n == 0 && fd < 0) return 0;
  if (fd < 0) return EBADMSG;
  if (flags & MSG_CTRUNC) {
    close(fd);
    fd = -1;
    return EMSGSIZE;
  }
  payload.assign(data, n);
  return 0;
}

}  // namespace ocirt
