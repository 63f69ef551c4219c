// systemd's D-Bus API through sd-bus (libsystemd), for the systemd cgroup driver.
// TypeScript decides the unit name and every property with its D-Bus signature
// (src/cgroups/systemd-properties.ts); this file only marshals them, calls the manager
// and waits for the job to finish (JobRemoved), as crun does with the same library.
// Without libsystemd at build time every call throws a clear error instead.
#include <errno.h>
#include <string.h>

#include <string>
#include <vector>

#include "napi/exports.h"

#ifdef OCIRT_HAVE_LIBSYSTEMD
#include <systemd/sd-bus.h>
#include <time.h>
#endif

namespace ocirt {

namespace {

#ifdef OCIRT_HAVE_LIBSYSTEMD

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

void throw_bus_error(Napi::Env env, const std::string& what, int r, const sd_bus_error* err) {
  std::string msg = what;
  if (err != nullptr && sd_bus_error_is_set(err)) {
    msg += ": ";
    msg += err->message != nullptr ? err->message : err->name;
  } else {
    msg += ": ";
    msg += strerror(r < 0 ? -r : r);
  }
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, r < 0 ? -r : r));
  if (err != nullptr && sd_bus_error_is_set(err)) e.Set("dbusName", Napi::String::New(env, err->name));
  e.ThrowAsJavaScriptException();
}

// A connection for one call, closed when the call is done: a long-lived `ocirt run`
// must not stay subscribed to the manager's signals. The system bus (dbus-daemon)
// first; as root, systemd's private socket when no bus daemon runs (as systemctl does).
struct Bus {
  sd_bus* bus = nullptr;
  Bus() = default;
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;
  ~Bus() {
    if (bus != nullptr) sd_bus_flush_close_unref(bus);
  }
};

bool open_bus(Napi::Env env, bool user, Bus* out) {
  sd_bus* bus = nullptr;
  int r = user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
  if (r < 0 && !user) {
    int r2 = sd_bus_new(&bus);
    if (r2 >= 0) r2 = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
    if (r2 >= 0) r2 = sd_bus_start(bus);
    if (r2 < 0) {
      if (bus != nullptr) sd_bus_unref(bus);
      bus = nullptr;
    } else {
      r = 0;
    }
  }
  if (r < 0) {
    throw_bus_error(env, user ? "connect to the user's D-Bus session bus" : "connect to the system D-Bus (nor systemd's private socket)", r, nullptr);
    return false;
  }
  out->bus = bus;
  return true;
}

bool read_u64(const Napi::Value& v, uint64_t* out) {
  if (v.IsBigInt()) {
    bool lossless = true;
    *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
    return lossless;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d < 0) {
      *out = static_cast<uint64_t>(static_cast<int64_t>(d));
      return true;
    }
    *out = static_cast<uint64_t>(d);
    return true;
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    if (s[0] == '-') {
      long long x = strtoll(s.c_str(), &end, 10);
      *out = static_cast<uint64_t>(x);
    } else {
      *out = strtoull(s.c_str(), &end, 10);
    }
    return errno == 0 && end != nullptr && *end == '\0';
  }
  if (v.IsBoolean()) {
    *out = v.As<Napi::Boolean>().Value() ? 1 : 0;
    return true;
  }
  return false;
}

// The length of the single complete type at the start of sig ("a(ss)" in "a(ss)s": 5).
size_t complete_type_length(const char* sig) {
  if (sig[0] == 'a') return 1 + complete_type_length(sig + 1);
  if (sig[0] == '(' || sig[0] == '{') {
    char open = sig[0], close = open == '(' ? ')' : '}';
    int depth = 0;
    size_t i = 0;
    do {
      if (sig[i] == open) depth++;
      else if (sig[i] == close) depth--;
      i++;
    } while (depth > 0 && sig[i] != '\0');
    return i;
  }
  return sig[0] == '\0' ? 0 : 1;
}

// Appends value as one complete type `sig`. Returns a negative errno, or -EINVAL with
// *problem set when the JS value does not fit the signature.
int append_value(sd_bus_message* m, const std::string& sig, const Napi::Value& v, std::string* problem) {
  char t = sig.empty() ? '\0' : sig[0];
  switch (t) {
    case 's':
    case 'o':
    case 'g': {
      if (!v.IsString()) {
        *problem = "expected a string";
        return -EINVAL;
      }
      std::string s = v.As<Napi::String>().Utf8Value();
      return sd_bus_message_append_basic(m, t, s.c_str());
    }
    case 'b': {
      int b = v.ToBoolean().Value() ? 1 : 0;
      return sd_bus_message_append_basic(m, 'b', &b);
    }
    case 'y':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'x':
    case 't': {
      uint64_t x = 0;
      if (!read_u64(v, &x)) {
        *problem = "expected an integer";
        return -EINVAL;
      }
      uint8_t y = static_cast<uint8_t>(x);
      int16_t n = static_cast<int16_t>(x);
      uint16_t q = static_cast<uint16_t>(x);
      int32_t i = static_cast<int32_t>(x);
      uint32_t u = static_cast<uint32_t>(x);
      int64_t xx = static_cast<int64_t>(x);
      const void* p = t == 'y' ? static_cast<const void*>(&y)
                      : t == 'n' ? static_cast<const void*>(&n)
                      : t == 'q' ? static_cast<const void*>(&q)
                      : t == 'i' ? static_cast<const void*>(&i)
                      : t == 'u' ? static_cast<const void*>(&u)
                      : t == 'x' ? static_cast<const void*>(&xx)
                                 : static_cast<const void*>(&x);
      return sd_bus_message_append_basic(m, t, p);
    }
    case 'd': {
      if (!v.IsNumber()) {
        *problem = "expected a number";
        return -EINVAL;
      }
      double d = v.As<Napi::Number>().DoubleValue();
      return sd_bus_message_append_basic(m, 'd', &d);
    }
    case 'a': {
      std::string elem = sig.substr(1);
      if (elem == "y" && v.IsBuffer()) {
        Napi::Buffer<uint8_t> b = v.As<Napi::Buffer<uint8_t>>();
        return sd_bus_message_append_array(m, 'y', b.Data(), b.Length());
      }
      if (!v.IsArray()) {
        *problem = "expected an array";
        return -EINVAL;
      }
      int r = sd_bus_message_open_container(m, 'a', elem.c_str());
      if (r < 0) return r;
      Napi::Array a = v.As<Napi::Array>();
      for (uint32_t k = 0; k < a.Length(); k++) {
        r = append_value(m, elem, a.Get(k), problem);
        if (r < 0) return r;
      }
      return sd_bus_message_close_container(m);
    }
    case '(': {
      if (!v.IsArray()) {
        *problem = "expected an array for a struct";
        return -EINVAL;
      }
      std::string inner = sig.substr(1, sig.size() - 2);
      int r = sd_bus_message_open_container(m, 'r', inner.c_str());
      if (r < 0) return r;
      Napi::Array a = v.As<Napi::Array>();
      size_t pos = 0;
      for (uint32_t k = 0; pos < inner.size(); k++) {
        size_t len = complete_type_length(inner.c_str() + pos);
        r = append_value(m, inner.substr(pos, len), a.Get(k), problem);
        if (r < 0) return r;
        pos += len;
      }
      return sd_bus_message_close_container(m);
    }
    default:
      *problem = "unsupported D-Bus signature \"" + sig + "\"";
      return -EINVAL;
  }
}

// Appends a(sv) from [{name, signature, value}].
bool append_properties(Napi::Env env, sd_bus_message* m, const Napi::Value& list) {
  if (!list.IsArray()) {
    Napi::TypeError::New(env, "properties must be an array of {name, signature, value}").ThrowAsJavaScriptException();
    return false;
  }
  int r = sd_bus_message_open_container(m, 'a', "(sv)");
  Napi::Array props = list.As<Napi::Array>();
  for (uint32_t k = 0; r >= 0 && k < props.Length(); k++) {
    Napi::Object p = props.Get(k).As<Napi::Object>();
    std::string name = p.Get("name").As<Napi::String>().Utf8Value();
    std::string sig = p.Get("signature").As<Napi::String>().Utf8Value();
    if (complete_type_length(sig.c_str()) != sig.size() || sig.empty()) {
      Napi::TypeError::New(env, "property " + name + ": not a single complete D-Bus type: " + sig).ThrowAsJavaScriptException();
      return false;
    }
    std::string problem;
    r = sd_bus_message_open_container(m, 'r', "sv");
    if (r >= 0) r = sd_bus_message_append_basic(m, 's', name.c_str());
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', sig.c_str());
    if (r >= 0) r = append_value(m, sig, p.Get("value"), &problem);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r < 0) {
      Napi::Error e = Napi::Error::New(env, "property " + name + " (" + sig + "): " + (problem.empty() ? strerror(-r) : problem));
      e.Set("errno", Napi::Number::New(env, -r));
      e.ThrowAsJavaScriptException();
      return false;
    }
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r < 0) {
    throw_bus_error(env, "build the D-Bus message", r, nullptr);
    return false;
  }
  return true;
}

// JobRemoved(u id, o job, s unit, s result) signals seen on the connection.
struct JobWatch {
  std::vector<std::pair<std::string, std::string>> removed;  // job path, result
};

int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* w = static_cast<JobWatch*>(userdata);
  uint32_t id = 0;
  const char* job = nullptr;
  const char* unit = nullptr;
  const char* result = nullptr;
  if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0) w->removed.emplace_back(job, result);
  return 0;
}

uint64_t now_usec() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000ULL + static_cast<uint64_t>(ts.tv_nsec) / 1000ULL;
}

// Calls a manager method that returns a job (o) and waits for that job's JobRemoved.
// Returns the job's result ("done", "failed", "canceled", "timeout", "dependency",
// "skipped"), or "" after an exception was thrown.
std::string call_and_wait(Napi::Env env, sd_bus* bus, sd_bus_message* call, const std::string& what, uint32_t timeout_ms) {
  JobWatch watch;
  sd_bus_slot* slot = nullptr;
  int r = sd_bus_match_signal(bus, &slot, kDest, kPath, kManager, "JobRemoved", on_job_removed, &watch);
  if (r < 0) {
    throw_bus_error(env, what + ": subscribe to JobRemoved", r, nullptr);
    return "";
  }
  // Without a subscription systemd may not emit job signals to this client at all.
  sd_bus_error sub_err = SD_BUS_ERROR_NULL;
  sd_bus_call_method(bus, kDest, kPath, kManager, "Subscribe", &sub_err, nullptr, "");
  sd_bus_error_free(&sub_err);

  sd_bus_error err = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  r = sd_bus_call(bus, call, static_cast<uint64_t>(timeout_ms) * 1000ULL, &err, &reply);
  if (r < 0) {
    throw_bus_error(env, what, r, &err);
    sd_bus_error_free(&err);
    sd_bus_slot_unref(slot);
    return "";
  }
  const char* job_ptr = nullptr;
  r = sd_bus_message_read(reply, "o", &job_ptr);
  std::string job = job_ptr != nullptr ? job_ptr : "";
  sd_bus_message_unref(reply);
  if (r < 0) {
    throw_bus_error(env, what + ": read the job path", r, nullptr);
    sd_bus_slot_unref(slot);
    return "";
  }
  uint64_t deadline = now_usec() + static_cast<uint64_t>(timeout_ms) * 1000ULL;
  std::string result;
  for (;;) {
    for (auto& j : watch.removed)
      if (j.first == job) result = j.second;
    if (!result.empty()) break;
    r = sd_bus_process(bus, nullptr);
    if (r < 0) {
      throw_bus_error(env, what + ": wait for job " + job, r, nullptr);
      break;
    }
    if (r > 0) continue;
    uint64_t now = now_usec();
    if (now >= deadline) {
      Napi::Error e = Napi::Error::New(env, what + ": timed out waiting for systemd job " + job);
      e.Set("errno", Napi::Number::New(env, ETIMEDOUT));
      e.ThrowAsJavaScriptException();
      break;
    }
    r = sd_bus_wait(bus, deadline - now);
    if (r < 0 && r != -EINTR) {
      throw_bus_error(env, what + ": wait for job " + job, r, nullptr);
      break;
    }
  }
  sd_bus_slot_unref(slot);
  return result;
}

bool new_manager_call(Napi::Env env, sd_bus* bus, const char* method, sd_bus_message** m) {
  int r = sd_bus_message_new_method_call(bus, m, kDest, kPath, kManager, method);
  if (r < 0) throw_bus_error(env, std::string("build ") + method, r, nullptr);
  return r >= 0;
}

struct Common {
  bool user = false;
  std::string unit;
  uint32_t timeout_ms = 30000;
};

bool read_common(const Napi::CallbackInfo& info, const char* usage, Common* c) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return false;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  c->user = o.Get("user").ToBoolean().Value();
  Napi::Value unit = o.Get("unit");
  if (unit.IsString()) c->unit = unit.As<Napi::String>().Utf8Value();
  Napi::Value t = o.Get("timeoutMs");
  if (t.IsNumber()) c->timeout_ms = t.As<Napi::Number>().Uint32Value();
  return true;
}

// systemdStartTransientUnit({user, unit, mode, properties, timeoutMs}) → job result
Napi::Value start_transient_unit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  if (!read_common(info, "systemdStartTransientUnit({unit, mode, properties})", &c)) return env.Undefined();
  Napi::Object o = info[0].As<Napi::Object>();
  std::string mode = o.Get("mode").IsString() ? o.Get("mode").As<Napi::String>().Utf8Value() : "replace";
  Bus conn;
  if (!open_bus(env, c.user, &conn)) return env.Undefined();
  sd_bus* bus = conn.bus;
  sd_bus_message* m = nullptr;
  if (!new_manager_call(env, bus, "StartTransientUnit", &m)) return env.Undefined();
  int r = sd_bus_message_append(m, "ss", c.unit.c_str(), mode.c_str());
  if (r < 0) {
    sd_bus_message_unref(m);
    throw_bus_error(env, "build StartTransientUnit", r, nullptr);
    return env.Undefined();
  }
  if (!append_properties(env, m, o.Get("properties"))) {
    sd_bus_message_unref(m);
    return env.Undefined();
  }
  r = sd_bus_message_append(m, "a(sa(sv))", 0);
  if (r < 0) {
    sd_bus_message_unref(m);
    throw_bus_error(env, "build StartTransientUnit", r, nullptr);
    return env.Undefined();
  }
  std::string result = call_and_wait(env, bus, m, "start unit " + c.unit, c.timeout_ms);
  sd_bus_message_unref(m);
  if (env.IsExceptionPending()) return env.Undefined();
  return Napi::String::New(env, result);
}

// systemdStopUnit({user, unit, timeoutMs}) → job result
Napi::Value stop_unit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  if (!read_common(info, "systemdStopUnit({unit})", &c)) return env.Undefined();
  Bus conn;
  if (!open_bus(env, c.user, &conn)) return env.Undefined();
  sd_bus* bus = conn.bus;
  sd_bus_message* m = nullptr;
  if (!new_manager_call(env, bus, "StopUnit", &m)) return env.Undefined();
  int r = sd_bus_message_append(m, "ss", c.unit.c_str(), "replace");
  if (r < 0) {
    sd_bus_message_unref(m);
    throw_bus_error(env, "build StopUnit", r, nullptr);
    return env.Undefined();
  }
  std::string result = call_and_wait(env, bus, m, "stop unit " + c.unit, c.timeout_ms);
  sd_bus_message_unref(m);
  if (env.IsExceptionPending()) return env.Undefined();
  return Napi::String::New(env, result);
}

// systemdSetUnitProperties({user, unit, runtime, properties})
Napi::Value set_unit_properties(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  if (!read_common(info, "systemdSetUnitProperties({unit, runtime, properties})", &c)) return env.Undefined();
  Napi::Object o = info[0].As<Napi::Object>();
  int runtime = o.Get("runtime").ToBoolean().Value() ? 1 : 0;
  Bus conn;
  if (!open_bus(env, c.user, &conn)) return env.Undefined();
  sd_bus* bus = conn.bus;
  sd_bus_message* m = nullptr;
  if (!new_manager_call(env, bus, "SetUnitProperties", &m)) return env.Undefined();
  int r = sd_bus_message_append(m, "sb", c.unit.c_str(), runtime);
  if (r < 0 || !append_properties(env, m, o.Get("properties"))) {
    sd_bus_message_unref(m);
    if (!env.IsExceptionPending()) throw_bus_error(env, "build SetUnitProperties", r, nullptr);
    return env.Undefined();
  }
  sd_bus_error err = SD_BUS_ERROR_NULL;
  r = sd_bus_call(bus, m, static_cast<uint64_t>(c.timeout_ms) * 1000ULL, &err, nullptr);
  sd_bus_message_unref(m);
  if (r < 0) throw_bus_error(env, "set properties of unit " + c.unit, r, &err);
  sd_bus_error_free(&err);
  return env.Undefined();
}

// systemdResetFailedUnit({user, unit})
Napi::Value reset_failed_unit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  if (!read_common(info, "systemdResetFailedUnit({unit})", &c)) return env.Undefined();
  Bus conn;
  if (!open_bus(env, c.user, &conn)) return env.Undefined();
  sd_bus* bus = conn.bus;
  sd_bus_error err = SD_BUS_ERROR_NULL;
  int r = sd_bus_call_method(bus, kDest, kPath, kManager, "ResetFailedUnit", &err, nullptr, "s", c.unit.c_str());
  if (r < 0) throw_bus_error(env, "reset failed unit " + c.unit, r, &err);
  sd_bus_error_free(&err);
  return env.Undefined();
}

// systemdManagerProperty({user, name}) → string (Version, ControlGroup...)
Napi::Value manager_property(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  if (!read_common(info, "systemdManagerProperty({name})", &c)) return env.Undefined();
  std::string name = info[0].As<Napi::Object>().Get("name").ToString().Utf8Value();
  Bus conn;
  if (!open_bus(env, c.user, &conn)) return env.Undefined();
  sd_bus* bus = conn.bus;
  sd_bus_error err = SD_BUS_ERROR_NULL;
  char* value = nullptr;
  int r = sd_bus_get_property_string(bus, kDest, kPath, kManager, name.c_str(), &err, &value);
  if (r < 0) {
    throw_bus_error(env, "read the manager property " + name, r, &err);
    sd_bus_error_free(&err);
    return env.Undefined();
  }
  Napi::String out = Napi::String::New(env, value != nullptr ? value : "");
  free(value);
  return out;
}

Napi::Value built_with(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), true);
}

#else  // !OCIRT_HAVE_LIBSYSTEMD

Napi::Value not_built(const Napi::CallbackInfo& info) {
  Napi::Error e = Napi::Error::New(
      info.Env(), "ocirt was built without libsystemd (libsystemd-dev), so it cannot talk to systemd over D-Bus");
  e.Set("errno", Napi::Number::New(info.Env(), ENOSYS));
  e.ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

Napi::Value built_with(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), false);
}

#define start_transient_unit not_built
#define stop_unit not_built
#define set_unit_properties not_built
#define reset_failed_unit not_built
#define manager_property not_built

#endif

}  // namespace

void register_systemd_bus(Napi::Env env, Napi::Object exports) {
  exports.Set("systemdBusBuilt", Napi::Function::New(env, built_with));
  exports.Set("systemdStartTransientUnit", Napi::Function::New(env, start_transient_unit));
  exports.Set("systemdStopUnit", Napi::Function::New(env, stop_unit));
  exports.Set("systemdSetUnitProperties", Napi::Function::New(env, set_unit_properties));
  exports.Set("systemdResetFailedUnit", Napi::Function::New(env, reset_failed_unit));
  exports.Set("systemdManagerProperty", Napi::Function::New(env, manager_property));
}

}  // namespace ocirt
