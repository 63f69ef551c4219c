// The cgroup v2 device controller: load a BPF_PROG_TYPE_CGROUP_DEVICE program (the
// instructions are compiled in TypeScript, src/cgroups/device-bpf.ts) and attach it to
// a cgroup directory, replacing the device programs attached there before.
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {

int sys_bpf(int cmd, union bpf_attr* attr) {
  return int(syscall(__NR_bpf, cmd, attr, sizeof(*attr)));
}

uint64_t ptr_to_u64(const void* p) {
  return uint64_t(uintptr_t(p));
}

// Loads the program; on failure loads it again with the verifier log, which the error carries.
int load_program(Napi::Env env, const uint8_t* insns, size_t len, const std::string& license) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = ptr_to_u64(insns);
  attr.insn_cnt = uint32_t(len / 8);
  attr.license = ptr_to_u64(license.c_str());
  int fd = sys_bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) return fd;
  int err = errno;
  std::vector<char> log(1 << 16, '\0');
  attr.log_level = 1;
  attr.log_buf = ptr_to_u64(log.data());
  attr.log_size = uint32_t(log.size());
  int again = sys_bpf(BPF_PROG_LOAD, &attr);
  if (again >= 0) close(again);
  Napi::Error e = Napi::Error::New(env, "bpf BPF_PROG_LOAD failed");
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, "bpf"));
  e.Set("log", Napi::String::New(env, std::string(log.data())));
  e.ThrowAsJavaScriptException();
  return -1;
}

// attachDeviceFilter(cgroupDir, instructions, license) → number of programs it replaced.
Napi::Value attach_device_filter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsBuffer() || !info[2].IsString()) {
    Napi::TypeError::New(env, "attachDeviceFilter(dir: string, program: Buffer, license: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  Napi::Buffer<uint8_t> program = info[1].As<Napi::Buffer<uint8_t>>();
  std::string license = info[2].As<Napi::String>().Utf8Value();
  if (program.Length() == 0 || program.Length() % 8 != 0) {
    Napi::TypeError::New(env, "the program must be a non-empty list of 8-byte instructions").ThrowAsJavaScriptException();
    return env.Undefined();
  }

  int dirfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    throw_sys_error(env, errno, "open", dir);
    return env.Undefined();
  }
  int progfd = load_program(env, program.Data(), program.Length(), license);
  if (progfd < 0) {
    close(dirfd);
    return env.Undefined();
  }

  // The programs attached now, to detach once the new one is in place.
  std::vector<uint32_t> ids(64);
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.query.target_fd = uint32_t(dirfd);
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = ptr_to_u64(ids.data());
  attr.query.prog_cnt = uint32_t(ids.size());
  uint32_t old_count = 0;
  uint32_t old_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) {
    old_count = attr.query.prog_cnt;
    old_flags = attr.query.attach_flags;
  }

  memset(&attr, 0, sizeof(attr));
  attr.target_fd = uint32_t(dirfd);
  attr.attach_bpf_fd = uint32_t(progfd);
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  int rc = sys_bpf(BPF_PROG_ATTACH, &attr);
  if (rc != 0 && errno == EPERM && old_count > 0 && !(old_flags & BPF_F_ALLOW_MULTI)) {
    // A program attached without BPF_F_ALLOW_MULTI: attaching the same way replaces it.
    attr.attach_flags = 0;
    rc = sys_bpf(BPF_PROG_ATTACH, &attr);
    if (rc == 0) old_count = 0;
  }
  if (rc != 0) {
    int err = errno;
    close(progfd);
    close(dirfd);
    throw_sys_error(env, err, "bpf", "BPF_PROG_ATTACH " + dir);
    return env.Undefined();
  }

  for (uint32_t i = 0; i < old_count && i < ids.size(); i++) {
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = ids[i];
    int oldfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (oldfd < 0) continue;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = uint32_t(dirfd);
    attr.attach_bpf_fd = uint32_t(oldfd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    sys_bpf(BPF_PROG_DETACH, &attr);
    close(oldfd);
  }
  close(progfd);
  close(dirfd);
  return Napi::Number::New(env, old_count);
}

// deviceFilterCount(cgroupDir) → programs of type CGROUP_DEVICE attached to the cgroup itself.
Napi::Value device_filter_count(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  int dirfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    throw_sys_error(env, errno, "open", dir);
    return env.Undefined();
  }
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.query.target_fd = uint32_t(dirfd);
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  int rc = sys_bpf(BPF_PROG_QUERY, &attr);
  int err = errno;
  close(dirfd);
  if (rc != 0) {
    throw_sys_error(env, err, "bpf", "BPF_PROG_QUERY " + dir);
    return env.Undefined();
  }
  return Napi::Number::New(env, attr.query.prog_cnt);
}

}  // namespace

void register_cgroup_bpf(Napi::Env env, Napi::Object exports) {
  exports.Set("attachDeviceFilter", Napi::Function::New(env, attach_device_filter));
  exports.Set("deviceFilterCount", Napi::Function::New(env, device_filter_count));
}

}  // namespace ocirt
