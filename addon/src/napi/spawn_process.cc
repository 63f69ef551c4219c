// spawnProcess: starts ocirt-init without child_process.spawn. libuv forks the whole
// Node process for that (page tables of ~50 MB copied, ~15 ms here on every create and
// exec); posix_spawn shares the parent's memory until execve (glibc: CLONE_VM|CLONE_VFORK).
// The child is not libuv's: the caller waits for it with waitForExit.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {

// spawnProcess(path, args, fds) → pid. fds[i] is the parent's fd that becomes the child's
// fd i (-1: none); every other fd is closed. Environment empty, signal mask empty and
// every signal at its default disposition (Node ignores SIGPIPE; a child must not inherit that).
Napi::Value spawn_process(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsArray()) {
    Napi::TypeError::New(env, "spawnProcess(path: string, args: string[], fds: number[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array args_in = info[1].As<Napi::Array>();
  Napi::Array fds_in = info[2].As<Napi::Array>();
  std::vector<std::string> args;
  for (uint32_t i = 0; i < args_in.Length(); i++) args.push_back(args_in.Get(i).As<Napi::String>().Utf8Value());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char* envp[] = {nullptr};

  // Each source is duplicated above every target first, so that one mapping cannot
  // overwrite the source of another; dup2 in the child clears close-on-exec.
  std::vector<int> copies;
  int err = 0;
  const char* call = "fcntl";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int lowest_free = int(fds_in.Length());
  for (uint32_t i = 0; i < fds_in.Length() && !err; i++) {
    int src = fds_in.Get(i).As<Napi::Number>().Int32Value();
    if (src < 0) continue;
    int copy = fcntl(src, F_DUPFD_CLOEXEC, lowest_free + 64);
    if (copy < 0) {
      err = errno;
      break;
    }
    copies.push_back(copy);
    err = posix_spawn_file_actions_adddup2(&actions, copy, int(i));
    call = "posix_spawn_file_actions_adddup2";
  }
  if (!err) err = posix_spawn_file_actions_addclosefrom_np(&actions, lowest_free);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  if (!err) {
    call = "posix_spawn";
    err = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), envp);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  for (int c : copies) close(c);
  if (err) {
    throw_sys_error(env, err, call, path);
    return env.Undefined();
  }
  return Napi::Number::New(env, pid);
}
}  // namespace

void register_spawn_process(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnProcess", Napi::Function::New(env, spawn_process));
}

}  // namespace ocirt
