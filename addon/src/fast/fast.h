// ocirt-fast: the hot verbs (state, start, kill, delete, exec, features) without booting Node.
//
// It handles only the ordinary case of each verb and hands everything else — any flag
// or state it does not know, hooks to run, a failure — to the Node CLI, so every message
// and every unusual path stays in one place (src/cli). state/start/kill/delete hand over
// before they have changed anything. exec hands over unchanged until its helper is in
// the container's cgroup; a failure after that goes to Node as the error to report
// (exec.cc). The one error answered here is the one engines meet all the time, a
// container id with no state directory at all: with the Node CLI's exact stderr line,
// exit status and --log line (test/integration/fast-path.test.ts compares them). It
// reads the state directory contract written down in src/state/STATE.md.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace ocirt {
namespace fast {

struct Invocation {
  std::string root;
  std::string verb;
  std::vector<std::string> args;  // after the verb
  std::string log;                // --log FILE, or empty
  std::string log_format = "text";
};

// The container has no state directory at all (and its id is valid): nothing to hand over.
bool container_absent(const Invocation& inv, const std::string& id);
// Reports "container does not exist" as the Node CLI does (stderr, --log) and returns 1.
int report_absent(const Invocation& inv, const std::string& context);

// Replaces this process with the Node CLI, given the original argv. Never returns.
[[noreturn]] void hand_over();

struct Container {
  std::string dir;         // <root>/<id>
  std::string state_file;  // <root>/<id>/state.json
  std::string text;        // state.json as read
  JsonValue record;
};

// The whole file; false if it cannot be read.
bool read_file(const std::string& path, std::string& out);
// <root>/<id>, the container's state directory.
std::string container_dir(const std::string& root, const std::string& id);
// Loads <root>/<id>/state.json; false when anything is unusual (Node then reports it).
bool load_container(const std::string& root, const std::string& id, Container& out);
bool valid_id(const std::string& id);

// The status `ocirt state` prints (src/state/status.ts liveStatus).
std::string live_status(const Container& c);
bool same_process(long pid, const std::string& start_time);
bool wait_gone(long pid, const std::string& start_time, int timeout_ms);

int run_state(const Invocation& inv);
int run_start(const Invocation& inv);
int run_kill(const Invocation& inv);
int run_delete(const Invocation& inv);
int run_exec(const Invocation& inv);
int run_features(const Invocation& inv);

// `exec [-d] [-t] [--pid-file F] [--console-socket S] [--process F] ID [CMD...]`.
struct ExecCall {
  std::string id;
  bool detach = false;
  bool tty = false;
  std::string pid_file;
  std::string console_socket;
  bool has_process_file = false;
  std::string process_file;
  std::vector<std::string> command;
};
// false: a flag or form only Node takes.
bool parse_exec_call(const std::vector<std::string>& args, ExecCall& out);
// The exec template's plan with the call's args, env and terminal (file: the parsed
// --process file); false when the template does not cover the call.
bool substitute_plan(const ExecCall& call, const JsonValue& file, const JsonValue& tmpl, JsonValue& plan, bool& terminal);

// JSON.stringify's escaping of a string.
std::string js_quote(const std::string& s);
void sleep_ms(int ms);

}  // namespace fast
}  // namespace ocirt
