// `exec`: which calls ocirt-fast runs itself, and the plan for them, substituted into the
// container's exec template (src/lifecycle/exec-template.ts). Everything the template
// does not cover returns false here, and the call goes to Node unchanged.
#include <string.h>

#include "fast/fast.h"

namespace ocirt {
namespace fast {

namespace {

bool is_one_of(const std::string& key, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (key == n) return true;
  return false;
}

// What a process file may say differently from the container's process.
bool substitutable(const std::string& key) { return is_one_of(key, {"args", "env", "terminal", "consoleSize"}); }

bool valid_args(const JsonValue& args) {
  if (args.kind != JsonValue::Kind::Array || args.size() == 0) return false;
  for (const auto& a : args.items)
    if (a.kind != JsonValue::Kind::String || a.text.find('\0') != std::string::npos) return false;
  return !args.at(0).text.empty();
}

// A uint32 the schema accepts, written as plain digits.
bool uint32_text(const JsonValue& v, unsigned long& out) {
  if (v.kind != JsonValue::Kind::Number || v.text.empty() || v.text.size() > 10) return false;
  for (char c : v.text)
    if (c < '0' || c > '9') return false;
  out = strtoul(v.text.c_str(), nullptr, 10);
  return out <= 4294967295UL;
}

// Every member but the substitutable ones is the container's own, and no other is added.
bool same_as_container(const JsonValue& file, const JsonValue& container) {
  size_t compared = 0;
  for (const auto& key : file.keys) {
    if (substitutable(key)) continue;
    auto theirs = container.fields.find(key);
    if (theirs == container.fields.end() || !json_equal(file[key], theirs->second)) return false;
    compared++;
  }
  size_t expected = 0;
  for (const auto& key : container.keys)
    if (!substitutable(key)) expected++;
  return compared == expected;
}

JsonValue string_array(const std::vector<std::string>& items) {
  JsonValue v;
  v.kind = JsonValue::Kind::Array;
  for (const auto& s : items) {
    JsonValue item;
    item.kind = JsonValue::Kind::String;
    item.text = s;
    v.items.push_back(item);
  }
  return v;
}

JsonValue number(unsigned long n) {
  JsonValue v;
  v.kind = JsonValue::Kind::Number;
  v.text = std::to_string(n);
  return v;
}

void set(JsonValue& object, const std::string& key, const JsonValue& value) {
  if (object.fields.find(key) == object.fields.end()) object.keys.push_back(key);
  object.fields[key] = value;
}

bool take_value(const std::vector<std::string>& args, size_t& i, const std::string& token, const std::string& flag, std::string& out) {
  if (token == flag) {
    if (i + 1 >= args.size()) return false;
    out = args[++i];
    return true;
  }
  out = token.substr(flag.size() + 1);  // --flag=value
  return true;
}
}  // namespace

bool parse_exec_call(const std::vector<std::string>& args, ExecCall& out) {
  size_t i = 0;
  for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; i++) {
    const std::string& t = args[i];
    std::string name = t.substr(0, t.find('='));
    if (t == "-d" || t == "--detach") {
      out.detach = true;
    } else if (t == "-t" || t == "--tty") {
      out.tty = true;
    } else if (name == "--pid-file") {
      if (!take_value(args, i, t, name, out.pid_file) || out.pid_file.empty()) return false;
    } else if (name == "--console-socket") {
      if (!take_value(args, i, t, name, out.console_socket) || out.console_socket.empty()) return false;
    } else if (name == "--process" || t == "-p") {
      if (!take_value(args, i, t, name, out.process_file) || out.process_file.empty()) return false;
      out.has_process_file = true;
    } else {
      return false;  // every other flag (and -dt, --detach=false ...) is Node's
    }
  }
  if (i >= args.size()) return false;
  out.id = args[i++];
  for (; i < args.size(); i++) out.command.push_back(args[i]);
  if (!out.command.empty() && out.command[0] == "--") out.command.erase(out.command.begin());
  if (out.has_process_file) return out.command.empty();  // a command beside --process is warned about
  if (out.command.empty() || out.command[0].empty()) return false;
  for (const auto& a : out.command)
    if (a.find('\0') != std::string::npos) return false;
  return true;
}

bool substitute_plan(const ExecCall& call, const JsonValue& file, const JsonValue& tmpl, JsonValue& plan, bool& terminal) {
  JsonValue args;
  const JsonValue* env;
  static const JsonValue empty_env = string_array({});
  const JsonValue* size = nullptr;
  if (call.has_process_file) {
    if (file.kind != JsonValue::Kind::Object || !same_as_container(file, tmpl["process"])) return false;
    args = file["args"];
    if (!valid_args(args)) return false;
    env = file["env"].is_null() && file.fields.find("env") == file.fields.end() ? &empty_env : &file["env"];
    const JsonValue& t = file["terminal"];
    if (file.fields.find("terminal") != file.fields.end() && t.kind != JsonValue::Kind::Bool) return false;
    terminal = t.b();
    if (file.fields.find("consoleSize") != file.fields.end()) {
      size = &file["consoleSize"];
      unsigned long n;
      if (size->kind != JsonValue::Kind::Object || size->keys.size() != 2 || !uint32_text((*size)["height"], n) ||
          !uint32_text((*size)["width"], n))
        return false;
    }
  } else {
    args = string_array(call.command);
    const JsonValue& own = tmpl["process"]["env"];
    env = own.kind == JsonValue::Kind::Array ? &own : &empty_env;
    terminal = call.tty;
  }
  const JsonValue* variant = nullptr;
  for (const auto& v : tmpl["envVariants"].items)
    if (json_equal(v["env"], *env)) variant = &v;
  if (!variant) return false;

  plan = tmpl["plan"];
  JsonValue process = plan["process"];
  if (process.kind != JsonValue::Kind::Object) return false;
  set(process, "args", args);
  set(process, "env", (*variant)["planEnv"]);
  set(process, "searchPath", (*variant)["searchPath"]);
  set(plan, "process", process);
  if (terminal) {
    JsonValue t = tmpl["consoleTerminal"];
    if (t.kind != JsonValue::Kind::Object) return false;
    unsigned long rows = 0, cols = 0;
    if (size) {
      uint32_text((*size)["height"], rows);
      uint32_text((*size)["width"], cols);
    }
    if (rows == 0 || cols == 0) rows = cols = 0;
    set(t, "rows", number(rows > 65535 ? 65535 : rows));
    set(t, "cols", number(cols > 65535 ? 65535 : cols));
    set(plan, "terminal", t);
  }
  return true;
}

}  // namespace fast
}  // namespace ocirt
