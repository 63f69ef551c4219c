// waitPidfd(pidfd, ref = true) → Promise<{code, signal}>: waits on the event loop (a uv_poll on the
// pidfd, which turns readable when its process exits) and then reaps it with
// waitid(P_PIDFD). No thread is held while waiting, so any number of waits can be
// pending at once without starving libuv's pool (waitForExit blocks a pool thread each).
// ref false: the wait alone does not keep the event loop alive (a background reap).
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <uv.h>

#include <string>

#include "napi/errors.h"
#include "napi/exports.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace ocirt {

namespace {
struct PidfdWait {
  uv_poll_t poll;
  int pidfd;
  napi_env env;
  napi_deferred deferred;
};

Napi::Error wait_error(Napi::Env env, int err, const char* syscall) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " failed");
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

void settle(PidfdWait* w, int status) {
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  siginfo_t info{};
  int err = 0;
  if (status < 0) {
    err = -status;
  } else {
    for (;;) {
      if (waitid(idtype_t(P_PIDFD), id_t(w->pidfd), &info, WEXITED | WNOHANG | __WALL) == 0) break;
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
  }
  if (err == 0 && info.si_pid == 0) return;  // readable but not yet reapable: poll on
  uv_poll_stop(&w->poll);
  if (err != 0) {
    napi_reject_deferred(w->env, w->deferred, wait_error(env, err, status < 0 ? "poll" : "waitid").Value());
  } else {
    Napi::Object result = Napi::Object::New(env);
    bool exited = info.si_code == CLD_EXITED;
    result.Set("code", exited ? Napi::Value(Napi::Number::New(env, info.si_status)) : env.Null());
    result.Set("signal", exited ? env.Null() : Napi::Value(Napi::Number::New(env, info.si_status)));
    napi_resolve_deferred(w->env, w->deferred, result);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), [](uv_handle_t* h) { delete reinterpret_cast<PidfdWait*>(h->data); });
}

Napi::Value wait_pidfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "waitPidfd(pidfd: number, ref?: boolean)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    Napi::Error::New(env, "no event loop").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* w = new PidfdWait{};
  w->pidfd = info[0].As<Napi::Number>().Int32Value();
  w->env = env;
  napi_value promise;
  napi_create_promise(env, &w->deferred, &promise);
  int rc = uv_poll_init(loop, &w->poll, w->pidfd);
  if (rc == 0) {
    w->poll.data = w;
    if (info.Length() > 1 && info[1].IsBoolean() && !info[1].As<Napi::Boolean>().Value()) uv_unref(reinterpret_cast<uv_handle_t*>(&w->poll));
    rc = uv_poll_start(&w->poll, UV_READABLE, [](uv_poll_t* p, int status, int) { settle(static_cast<PidfdWait*>(p->data), status); });
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), [](uv_handle_t* h) { delete reinterpret_cast<PidfdWait*>(h->data); });
      napi_reject_deferred(env, w->deferred, wait_error(env, -rc, "epoll_ctl").Value());
    }
  } else {
    napi_reject_deferred(env, w->deferred, wait_error(env, -rc, "epoll_ctl").Value());
    delete w;
  }
  return Napi::Value(env, promise);
}
}  // namespace

void register_pidfd_wait(Napi::Env env, Napi::Object exports) {
  exports.Set("waitPidfd", Napi::Function::New(env, wait_pidfd));
}

}  // namespace ocirt
