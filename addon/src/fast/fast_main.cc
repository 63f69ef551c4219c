#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fast/fast.h"

using namespace ocirt::fast;

namespace {
char** g_argv;  // argv[1] node, argv[2] main.js, argv[3..] the user's arguments

bool takes_value(const std::string& flag) {
  return flag == "--root" || flag == "--log" || flag == "--log-format" || flag == "--cgroup-manager" ||
         flag == "--rootless" || flag == "--criu";
}

// Not the host's user namespace: uid_map is not the single identity line over all ids.
bool in_user_namespace() {
  FILE* f = fopen("/proc/self/uid_map", "re");
  if (!f) return false;
  unsigned long inside = 0, outside = 0, count = 0;
  int fields = fscanf(f, "%lu %lu %lu", &inside, &outside, &count);
  int more = fgetc(f) == '\n' ? fgetc(f) : EOF;
  fclose(f);
  return !(fields == 3 && inside == 0 && outside == 0 && count == 4294967295UL && more == EOF);
}

// As src/state/store.ts defaultRoot (runc's rule).
std::string default_root() {
  const char* xdg = getenv("XDG_RUNTIME_DIR");
  if (!xdg || xdg[0] != '/') return "/run/ocirt";
  if (geteuid() != 0) return std::string(xdg) + "/ocirt";
  const char* user = getenv("USER");
  if ((!user || strcmp(user, "root") != 0) && in_user_namespace()) return std::string(xdg) + "/ocirt";
  return "/run/ocirt";
}
}  // namespace

namespace ocirt {
namespace fast {
void hand_over() {
  execv(g_argv[1], g_argv + 1);
  _exit(127);
}
}  // namespace fast
}  // namespace ocirt

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  g_argv = argv;
  if (getenv("OCIRT_NO_FAST_PATH")) hand_over();
  // --version (dockerd asks on start-up and for every `docker info`): the text the build
  // wrote beside main.js from src/cli/registry.ts versionText.
  if (argc == 4 && (strcmp(argv[3], "--version") == 0 || strcmp(argv[3], "-v") == 0)) {
    std::string main_js = argv[2], text;
    size_t slash = main_js.rfind('/');
    if (slash != std::string::npos && read_file(main_js.substr(0, slash) + "/version.txt", text) && !text.empty()) {
      return fwrite(text.data(), 1, text.size(), stdout) == text.size() && fflush(stdout) == 0 ? 0 : 1;
    }
    hand_over();
  }
  Invocation inv;
  inv.root = default_root();
  int i = 3;
  for (; i < argc && argv[i][0] == '-'; i++) {
    std::string token = argv[i];
    size_t eq = token.find('=');
    std::string flag = eq == std::string::npos ? token : token.substr(0, eq);
    if (flag == "--systemd-cgroup") continue;
    if (!takes_value(flag)) hand_over();  // --debug, --help, --version, unknown: Node's
    std::string value;
    if (eq != std::string::npos) {
      value = token.substr(eq + 1);
    } else {
      if (i + 1 >= argc) hand_over();
      value = argv[++i];
    }
    if (flag == "--root") inv.root = value;
    if (flag == "--log") inv.log = value;
    if (flag == "--log-format") {
      if (value != "text" && value != "json") hand_over();
      inv.log_format = value;
    }
  }
  if (i >= argc || inv.root.empty() || inv.root[0] != '/') hand_over();
  inv.verb = argv[i++];
  for (; i < argc; i++) inv.args.push_back(argv[i]);
  if (inv.verb == "state") return run_state(inv);
  if (inv.verb == "start") {
    // NOTIFY_SOCKET: start waits for the container's READY= and forwards it (Node's).
    const char* notify = getenv("NOTIFY_SOCKET");
    if (notify && notify[0]) hand_over();
    return run_start(inv);
  }
  if (inv.verb == "kill") return run_kill(inv);
  if (inv.verb == "delete") return run_delete(inv);
  if (inv.verb == "exec") return run_exec(inv);
  if (inv.verb == "features") return run_features(inv);
  hand_over();
}
