#pragma once
#include <napi.h>

#include <string>

namespace ocirt {

// Throws a JS Error carrying errno/syscall/path like Node's own system errors.
inline void throw_sys_error(Napi::Env env, int err, const char* syscall, const std::string& path = "") {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + (path.empty() ? "" : " " + path) + " failed");
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  e.ThrowAsJavaScriptException();
}

}  // namespace ocirt
