// The window size of a terminal (TIOCSWINSZ): `run -t` / `exec -t` copy the caller's
// size to the container's pty at start and on every SIGWINCH. Node can read a tty's
// size but cannot set one.
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {
// setWindowSize(fd, rows, cols)
Napi::Value set_window_size(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "setWindowSize(fd: number, rows: number, cols: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct winsize ws = {};
  ws.ws_row = (unsigned short)info[1].As<Napi::Number>().Uint32Value();
  ws.ws_col = (unsigned short)info[2].As<Napi::Number>().Uint32Value();
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCSWINSZ, &ws) != 0) throw_sys_error(env, errno, "ioctl", "TIOCSWINSZ");
  return env.Undefined();
}

// windowSize(fd) → {rows, cols}
Napi::Value window_size(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "windowSize(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct winsize ws = {};
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCGWINSZ, &ws) != 0) {
    throw_sys_error(env, errno, "ioctl", "TIOCGWINSZ");
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("rows", Napi::Number::New(env, ws.ws_row));
  out.Set("cols", Napi::Number::New(env, ws.ws_col));
  return out;
}
}  // namespace

void register_terminal_size(Napi::Env env, Napi::Object exports) {
  exports.Set("setWindowSize", Napi::Function::New(env, set_window_size));
  exports.Set("windowSize", Napi::Function::New(env, window_size));
}

}  // namespace ocirt
