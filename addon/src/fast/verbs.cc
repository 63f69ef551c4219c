#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fast/fast.h"

namespace ocirt {
namespace fast {

namespace {
bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t w = write(fd, s.data() + off, s.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += size_t(w);
  }
  return true;
}

// Exactly what src/state/status.ts formatStateOutput prints (JSON.stringify(…, null, 2)).
std::string state_json(const Container& c, const std::string& status) {
  const JsonValue& r = c.record;
  long pid = status == "stopped" ? 0 : long(r["pid"].i64());
  std::string o = "{\n";
  o += "  \"ociVersion\": " + js_quote(r["ociVersion"].str()) + ",\n";
  o += "  \"id\": " + js_quote(r["id"].str()) + ",\n";
  o += "  \"pid\": " + std::to_string(pid) + ",\n";
  o += "  \"status\": " + js_quote(status) + ",\n";
  o += "  \"bundle\": " + js_quote(r["bundle"].str()) + ",\n";
  o += "  \"rootfs\": " + js_quote(r["rootfs"].str()) + ",\n";
  o += "  \"created\": " + js_quote(r["created"].str()) + ",\n";
  const JsonValue& ann = r["annotations"];
  if (!ann.keys.empty()) {
    o += "  \"annotations\": {\n";
    for (size_t i = 0; i < ann.keys.size(); i++)
      o += "    " + js_quote(ann.keys[i]) + ": " + js_quote(ann[ann.keys[i]].str()) + (i + 1 < ann.keys.size() ? ",\n" : "\n");
    o += "  },\n";
  }
  o += "  \"owner\": " + js_quote(r["owner"].str()) + "\n}\n";
  return o;
}

// Offset of the value of the top-level key in a JSON object's text, or npos.
size_t top_level_value(const std::string& text, const std::string& key) {
  int depth = 0;
  bool in_string = false;
  size_t string_start = 0;
  for (size_t i = 0; i < text.size(); i++) {
    char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        i++;
      } else if (ch == '"') {
        in_string = false;
        if (depth == 1 && text.compare(string_start, i - string_start + 1, "\"" + key + "\"") == 0) {
          size_t colon = text.find_first_not_of(" \t\r\n", i + 1);
          if (colon != std::string::npos && text[colon] == ':') return text.find_first_not_of(" \t\r\n", colon + 1);
        }
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
      string_start = i;
    } else if (ch == '{' || ch == '[') {
      depth++;
    } else if (ch == '}' || ch == ']') {
      depth--;
    }
  }
  return std::string::npos;
}

// state.json with "status" changed, written to a temp file and renamed (STATE.md).
bool rewrite_status(const Container& c, const std::string& from, const std::string& to) {
  size_t at = top_level_value(c.text, "status");
  std::string quoted = "\"" + from + "\"";
  if (at == std::string::npos || c.text.compare(at, quoted.size(), quoted) != 0) return false;
  std::string text = c.text.substr(0, at) + "\"" + to + "\"" + c.text.substr(at + quoted.size());
  std::string tmp = c.dir + "/state.json.tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = write_all(fd, text);
  close(fd);
  if (!ok || rename(tmp.c_str(), c.state_file.c_str()) != 0) {
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

// Numbers and the common names, as src/lifecycle/signals.ts reads them; -1 otherwise.
int simple_signal(const std::string& s) {
  if (s.empty()) return -1;
  if (s.find_first_not_of("0123456789") == std::string::npos) {
    if (s.size() > 2) return -1;
    int n = atoi(s.c_str());
    return n <= 64 ? n : -1;
  }
  static const char* names[] = {nullptr, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
                                "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
                                "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};
  std::string name = s;
  if (name.size() > 3 && strncasecmp(name.c_str(), "SIG", 3) == 0) name = name.substr(3);
  for (int n = 1; n <= 31; n++)
    if (strcasecmp(name.c_str(), names[n]) == 0) return n;
  return -1;
}

// Signals the init through a pidfd after checking its start time; false if it is gone.
bool signal_init(const Container& c, int sig) {
  long pid = long(c.record["pid"].i64());
  int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return false;
  bool ok = same_process(pid, c.record["initStartTime"].str()) && syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
  close(pidfd);
  return ok;
}

bool remove_dir_contents_and_dir(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return errno == ENOENT;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (unlinkat(dirfd(d), name.c_str(), 0) != 0 && errno != ENOENT) {
      closedir(d);
      return false;
    }
  }
  closedir(d);
  return rmdir(dir.c_str()) == 0 || errno == ENOENT;
}

// A container with a cgroup namespace may have made cgroups of its own: Node's driver
// removes those (deepest first); the fast path only removes a leaf.
bool has_subdirs(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return false;
  bool found = false;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") found = true;
  }
  closedir(d);
  return found;
}

bool remove_cgroup(const std::string& dir) {
  if (has_subdirs(dir)) return false;
  for (int attempt = 0; attempt < 200; attempt++) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) return false;
    sleep_ms(5);
  }
  return false;
}

bool has_mount_namespace(const JsonValue& r) {
  for (const auto& ns : r["namespaces"].items)
    if (ns["type"].str() == "mount") return true;
  return false;
}
}  // namespace

bool container_absent(const Invocation& inv, const std::string& id) {
  struct stat st;
  return valid_id(id) && lstat(container_dir(inv.root, id).c_str(), &st) != 0 && errno == ENOENT;
}

int report_absent(const Invocation& inv, const std::string& context) {
  const std::string msg = (context.empty() ? "" : context + ": ") + "container does not exist";
  if (!inv.log.empty()) {
    // As src/cli/report.ts: the log opened O_APPEND|O_CREAT 0644; a log that cannot be
    // opened is Node's to report.
    int fd = open(inv.log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) hand_over();
    char when[32];
    time_t now = time(nullptr);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::string line = inv.log_format == "json"
                           ? "{\"level\":\"error\",\"msg\":" + js_quote(msg) + ",\"time\":\"" + when + "\"}\n"
                           : "time=\"" + std::string(when) + "\" level=error msg=" + js_quote(msg) + "\n";
    write_all(fd, line);
    close(fd);
  }
  write_all(2, "ocirt: " + msg + "\n");
  return 1;
}

int run_state(const Invocation& inv) {
  Container c;
  if (inv.args.size() == 1 && container_absent(inv, inv.args[0])) return report_absent(inv, "");
  if (inv.args.size() != 1 || !load_container(inv.root, inv.args[0], c)) hand_over();
  std::string out = state_json(c, live_status(c));
  return write_all(1, out) ? 0 : 1;
}

int run_start(const Invocation& inv) {
  Container c;
  if (inv.args.size() == 1 && container_absent(inv, inv.args[0])) return report_absent(inv, "start " + inv.args[0]);
  if (inv.args.size() != 1 || !load_container(inv.root, inv.args[0], c)) hand_over();
  if (!c.record["hooks"]["poststart"].items.empty() || live_status(c) != "created") hand_over();
  const std::string fifo = c.record["execFifo"].str();
  int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) hand_over();
  for (;;) {
    char byte;
    ssize_t n = read(fd, &byte, 1);
    if (n == 1) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      close(fd);
      hand_over();
    }
    if (!same_process(long(c.record["pid"].i64()), c.record["initStartTime"].str())) {
      // It may have taken the fifo, run and exited between two reads: its byte waits.
      if (read(fd, &byte, 1) == 1) break;
      close(fd);
      hand_over();  // the init died: Node reports it
    }
    sleep_ms(1);
  }
  close(fd);
  unlink(fifo.c_str());
  if (!rewrite_status(c, "created", "running")) {
    static const char msg[] = "ocirt: start: the container started, but its state file could not be updated\n";
    write_all(2, msg);
    return 1;
  }
  return 0;
}

int run_kill(const Invocation& inv) {
  if (inv.args.empty() || inv.args.size() > 2) hand_over();
  int sig = inv.args.size() == 2 ? simple_signal(inv.args[1]) : SIGTERM;
  Container c;
  if (sig >= 0 && container_absent(inv, inv.args[0])) return report_absent(inv, "kill " + inv.args[0]);
  if (sig < 0 || !load_container(inv.root, inv.args[0], c)) hand_over();
  if (live_status(c) == "stopped" || !signal_init(c, sig)) hand_over();
  return 0;
}

int run_delete(const Invocation& inv) {
  bool force = false;
  std::string id;
  for (const auto& a : inv.args) {
    if (a == "--force" || a == "-f" || a == "--force=true") {
      force = true;
    } else if (!a.empty() && a[0] != '-' && id.empty()) {
      id = a;
    } else {
      hand_over();
    }
  }
  // delete --force of a container that is not there succeeds silently, as runc; engines
  // do it after every delete (containerd's shim), so it must not cost a Node start.
  // Only when there is no directory at all: a directory without state.json may be a
  // create at work, which Node waits for.
  if (!id.empty() && container_absent(inv, id)) return force ? 0 : report_absent(inv, "delete " + id);
  Container c;
  if (id.empty() || !load_container(inv.root, id, c)) hand_over();
  const JsonValue& r = c.record;
  std::string driver = r["cgroup"]["driver"].str();
  // a record naming its creator is still being made: Node waits for that create
  bool simple = r["hooks"]["poststop"].items.empty() && has_mount_namespace(r) && !r["sharesPidNamespace"].b() &&
                r["intelRdt"].is_null() && r["creator"].is_null() &&
                (driver == "cgroupfs-v1" || driver == "cgroupfs-v2" || driver == "none");
  std::string status = live_status(c);
  if (!simple || status == "paused" || status == "creating" || (status == "running" && !force)) hand_over();

  long pid = long(r["pid"].i64());
  std::string start = r["initStartTime"].str();
  if (status != "stopped" && signal_init(c, SIGKILL) && !wait_gone(pid, start, 10000)) hand_over();
  const JsonValue& paths = r["cgroup"]["paths"];
  for (const auto& key : paths.keys)
    if (!remove_cgroup(paths[key].str())) hand_over();
  unlink(r["execFifo"].str().c_str());
  if (!remove_dir_contents_and_dir(c.dir)) hand_over();
  return 0;
}

}  // namespace fast
}  // namespace ocirt
