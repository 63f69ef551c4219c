// Seccomp filters are compiled here, in the Node process, with libseccomp: the plan
// compiler (src/plan/seccomp*.ts) has already decided every rule, action and argument
// condition; this file only asks libseccomp for syscall numbers and for the BPF program
// of a rule list. ocirt-init later loads the bytes with seccomp(2) and never links
// libseccomp.
//
// Built without libseccomp (no <seccomp.h> when binding.gyp ran, see
// addon/tools/library-probe.js), seccompLibrary() returns null and the others throw.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "napi/errors.h"
#include "napi/exports.h"

#ifdef OCIRT_HAVE_LIBSECCOMP
#include <seccomp.h>
#endif

namespace ocirt {

namespace {

#ifdef OCIRT_HAVE_LIBSECCOMP

// libseccomp's architecture names, as seccomp_arch_resolve_name() takes them.
const char* const kArchNames[] = {"x86",    "x86_64",      "x32",     "arm",        "aarch64",  "loongarch64",
                                  "m68k",   "mips",        "mips64",  "mips64n32",  "mipsel",   "mipsel64",
                                  "mipsel64n32", "ppc",    "ppc64",   "ppc64le",    "s390",     "s390x",
                                  "parisc", "parisc64",    "riscv64", "sh",         "sheb"};

bool arch_token(Napi::Env env, const std::string& name, uint32_t& token) {
  token = seccomp_arch_resolve_name(name.c_str());
  if (token != 0) return true;
  Napi::Error::New(env, "libseccomp " + std::to_string(SCMP_VER_MAJOR) + "." + std::to_string(SCMP_VER_MINOR) +
                            " does not know the architecture " + name)
      .ThrowAsJavaScriptException();
  return false;
}

// seccompLibrary() → {version, apiLevel, nativeArch, arches}
Napi::Value library(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const struct scmp_version* v = seccomp_version();
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro));
  out.Set("apiLevel", Napi::Number::New(env, seccomp_api_get()));
  uint32_t native = seccomp_arch_native();
  Napi::Array arches = Napi::Array::New(env);
  uint32_t n = 0;
  for (const char* name : kArchNames) {
    uint32_t token = seccomp_arch_resolve_name(name);
    if (token == 0) continue;
    arches.Set(n++, Napi::String::New(env, name));
    if (token == native) out.Set("nativeArch", Napi::String::New(env, name));
  }
  out.Set("arches", arches);
  return out;
}

// seccompResolve(arch, names) → numbers; null for a name libseccomp does not know.
// Negative numbers are libseccomp's pseudo-syscalls (a syscall of another arch).
Napi::Value resolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    Napi::TypeError::New(env, "seccompResolve(arch: string, names: string[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t arch;
  if (!arch_token(env, info[0].As<Napi::String>().Utf8Value(), arch)) return env.Undefined();
  Napi::Array names = info[1].As<Napi::Array>();
  Napi::Array out = Napi::Array::New(env, names.Length());
  for (uint32_t i = 0; i < names.Length(); i++) {
    std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
    out.Set(i, nr == __NR_SCMP_ERROR ? env.Null() : Napi::Number::New(env, nr));
  }
  return out;
}

uint64_t u64_field(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsString()) return strtoull(v.As<Napi::String>().Utf8Value().c_str(), nullptr, 10);
  if (v.IsNumber()) return uint64_t(v.As<Napi::Number>().Int64Value());
  return 0;
}

void throw_rule_error(Napi::Env env, int rc, uint32_t rule, const char* what) {
  Napi::Error e = Napi::Error::New(env, std::string("libseccomp: ") + what + ": " + strerror(-rc));
  e.Set("errno", Napi::Number::New(env, -rc));
  e.Set("syscall", Napi::String::New(env, what));
  e.Set("rule", Napi::Number::New(env, rule));
  e.ThrowAsJavaScriptException();
}

// Reads the exported program back from a memfd (a pipe could fill up with a large filter).
bool export_program(Napi::Env env, scmp_filter_ctx ctx, std::vector<uint8_t>& program) {
  int fd = memfd_create("ocirt-seccomp", MFD_CLOEXEC);
  if (fd < 0) {
    throw_sys_error(env, errno, "memfd_create", "seccomp export");
    return false;
  }
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc != 0) {
    close(fd);
    throw_rule_error(env, rc, 0, "seccomp_export_bpf");
    return false;
  }
  off_t size = lseek(fd, 0, SEEK_END);
  program.resize(size_t(size));
  ssize_t got = size > 0 ? pread(fd, program.data(), program.size(), 0) : 0;
  int err = errno;
  close(fd);
  if (got != size) {
    throw_sys_error(env, got < 0 ? err : EIO, "pread", "seccomp export");
    return false;
  }
  return true;
}

// seccompCompile({defaultAction, arches, optimize, rules: [{nr, action, args: [{index,
// op, value, valueTwo}]}]}) → Buffer with the struct sock_filter[] program. Errors carry
// `rule` (index in rules) and errno.
Napi::Value compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "seccompCompile(filter: object)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object f = info[0].As<Napi::Object>();
  uint32_t default_action = f.Get("defaultAction").As<Napi::Number>().Uint32Value();
  scmp_filter_ctx ctx = seccomp_init(default_action);
  if (ctx == nullptr) {
    Napi::Error::New(env, "libseccomp: seccomp_init refused the default action").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct Release {
    scmp_filter_ctx c;
    ~Release() { seccomp_release(c); }
  } release{ctx};

  // ocirt-init sets no_new_privs itself when the config asks for it.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (f.Get("optimize").ToBoolean().Value()) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  Napi::Array arches = f.Get("arches").As<Napi::Array>();
  for (uint32_t i = 0; i < arches.Length(); i++) {
    uint32_t token;
    if (!arch_token(env, arches.Get(i).As<Napi::String>().Utf8Value(), token)) return env.Undefined();
    int rc = seccomp_arch_add(ctx, token);
    if (rc != 0 && rc != -EEXIST) {
      throw_rule_error(env, rc, 0, "seccomp_arch_add");
      return env.Undefined();
    }
  }

  Napi::Array rules = f.Get("rules").As<Napi::Array>();
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object r = rules.Get(i).As<Napi::Object>();
    int nr = r.Get("nr").As<Napi::Number>().Int32Value();
    uint32_t action = r.Get("action").As<Napi::Number>().Uint32Value();
    Napi::Array args = r.Get("args").As<Napi::Array>();
    std::vector<struct scmp_arg_cmp> conds;
    for (uint32_t j = 0; j < args.Length(); j++) {
      Napi::Object a = args.Get(j).As<Napi::Object>();
      struct scmp_arg_cmp c;
      c.arg = a.Get("index").As<Napi::Number>().Uint32Value();
      c.op = scmp_compare(a.Get("op").As<Napi::Number>().Int32Value());
      c.datum_a = u64_field(a, "value");
      c.datum_b = u64_field(a, "valueTwo");
      conds.push_back(c);
    }
    int rc = seccomp_rule_add_array(ctx, action, nr, unsigned(conds.size()), conds.empty() ? nullptr : conds.data());
    if (rc != 0) {
      throw_rule_error(env, rc, i, "seccomp_rule_add");
      return env.Undefined();
    }
  }

  std::vector<uint8_t> program;
  if (!export_program(env, ctx, program)) return env.Undefined();
  return Napi::Buffer<uint8_t>::Copy(env, program.data(), program.size());
}

#else  // !OCIRT_HAVE_LIBSECCOMP

Napi::Value library(const Napi::CallbackInfo& info) {
  return info.Env().Null();
}

Napi::Value unavailable(const Napi::CallbackInfo& info) {
  Napi::Error::New(info.Env(), "ocirt was built without libseccomp (install libseccomp-dev and rebuild the addon)")
      .ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

Napi::Value resolve(const Napi::CallbackInfo& info) {
  return unavailable(info);
}

Napi::Value compile(const Napi::CallbackInfo& info) {
  return unavailable(info);
}

#endif

}  // namespace

void register_seccomp_compile(Napi::Env env, Napi::Object exports) {
  exports.Set("seccompLibrary", Napi::Function::New(env, library));
  exports.Set("seccompResolve", Napi::Function::New(env, resolve));
  exports.Set("seccompCompile", Napi::Function::New(env, compile));
}

}  // namespace ocirt
