// Waits for a process that has become our child (we are its subreaper) on a libuv
// pool thread, so `run` can report the container's exit status.
#include <errno.h>
#include <sys/wait.h>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, pid_t pid) : Napi::AsyncWorker(env), pid_(pid), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    for (;;) {
      pid_t r = waitpid(pid_, &status_, __WALL);
      if (r == pid_) return;
      if (r < 0 && errno == EINTR) continue;
      err_ = errno;
      return;
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      Napi::Error e = Napi::Error::New(env, "waitpid failed");
      e.Set("errno", Napi::Number::New(env, err_));
      e.Set("syscall", Napi::String::New(env, "waitpid"));
      deferred_.Reject(e.Value());
      return;
    }
    Napi::Object result = Napi::Object::New(env);
    if (WIFEXITED(status_)) {
      result.Set("code", Napi::Number::New(env, WEXITSTATUS(status_)));
      result.Set("signal", env.Null());
    } else {
      result.Set("code", env.Null());
      result.Set("signal", Napi::Number::New(env, WTERMSIG(status_)));
    }
    deferred_.Resolve(result);
  }

 private:
  pid_t pid_;
  int status_ = 0;
  int err_ = 0;
  Napi::Promise::Deferred deferred_;
};

Napi::Value wait_for_exit(const Napi::CallbackInfo& info) {
  auto* worker = new WaitWorker(info.Env(), info[0].As<Napi::Number>().Int32Value());
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}
}  // namespace

void register_wait_process(Napi::Env env, Napi::Object exports) {
  exports.Set("waitForExit", Napi::Function::New(env, wait_for_exit));
}

}  // namespace ocirt
