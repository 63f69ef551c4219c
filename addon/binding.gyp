{
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-exceptions"],
    "cflags_cc!": ["-fno-rtti"],
    "defines": ["_GNU_SOURCE"]
  },
  "targets": [
    {
      "target_name": "ocirt",
      "sources": [
        "src/napi/addon.cc",
        "src/core/fd_send.cc",
        "src/core/unix_socket.cc",
        "src/napi/wait_process.cc",
        "src/napi/pidfd_wait.cc",
        "src/napi/process_control.cc",
        "src/napi/unmount.cc",
        "src/napi/cgroup_bpf.cc",
        "src/napi/cgroup_events.cc",
        "src/napi/fd_passing.cc",
        "src/napi/terminal_size.cc",
        "src/napi/seccomp_compile.cc",
        "src/napi/seccomp_kernel.cc",
        "src/napi/seccomp_notify_fd.cc",
        "src/napi/cpu_affinity.cc",
        "src/napi/mount_setattr_probe.cc",
        "src/napi/systemd_bus.cc",
        "src/napi/prlimit.cc",
        "src/napi/notify_socket.cc",
        "src/napi/spawn_process.cc",
        "src/napi/criu_transport.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-fno-exceptions"],
      "variables": {
        "ocirt_libseccomp": "<!(node tools/library-probe.js libseccomp)",
        "ocirt_libsystemd": "<!(node tools/library-probe.js libsystemd)"
      },
      "conditions": [
        ["ocirt_libseccomp==1", {
          "defines": ["OCIRT_HAVE_LIBSECCOMP=1"],
          "cflags_cc": ["<!@(node tools/library-probe.js libseccomp --cflags)"],
          "libraries": ["<!@(node tools/library-probe.js libseccomp --libs)"]
        }],
        ["ocirt_libsystemd==1", {
          "defines": ["OCIRT_HAVE_LIBSYSTEMD=1"],
          "cflags_cc": ["<!@(node tools/library-probe.js libsystemd --cflags)"],
          "libraries": ["<!@(node tools/library-probe.js libsystemd --libs)"]
        }]
      ]
    },
    {
      "target_name": "ocirt-init",
      "type": "executable",
      "sources": [
        "src/core/json.cc",
        "src/core/fd_send.cc",
        "src/core/plan.cc",
        "src/core/sync_channel.cc",
        "src/core/sys_error.cc",
        "src/core/unix_socket.cc",
        "src/init/main.cc",
        "src/init/bootstrap.cc",
        "src/init/bind_sources.cc",
        "src/init/idmap_mounts.cc",
        "src/init/namespaces.cc",
        "src/init/resolve_in_root.cc",
        "src/init/mounts.cc",
        "src/init/mount_extensions.cc",
        "src/init/rootfs.cc",
        "src/init/devices.cc",
        "src/init/credentials.cc",
        "src/init/hooks.cc",
        "src/init/exec_process.cc",
        "src/init/container_init.cc",
        "src/init/exec_init.cc",
        "src/init/terminal.cc",
        "src/init/seccomp_load.cc",
        "src/init/scheduler.cc",
        "src/init/ioprio.cc",
        "src/init/personality.cc",
        "src/init/mempolicy.cc",
        "src/init/lsm.cc",
        "src/init/affinity.cc",
        "src/init/oom_score_adj.cc",
        "src/init/netdev.cc",
        "src/init/process_attributes.cc",
        "src/init/self_protect.cc"
      ],
      "include_dirs": ["src"],
      "ldflags": ["-static-libstdc++", "-static-libgcc", "-s"]
    },
    {
      "target_name": "ocirt-fast",
      "type": "executable",
      "sources": [
        "src/core/json.cc",
        "src/core/fd_send.cc",
        "src/core/unix_socket.cc",
        "src/fast/fast_main.cc",
        "src/fast/container.cc",
        "src/fast/verbs.cc",
        "src/fast/exec.cc",
        "src/fast/exec_request.cc",
        "src/fast/features.cc"
      ],
      "include_dirs": ["src"],
      "ldflags": ["-static-libstdc++", "-static-libgcc", "-s"]
    }
  ]
}
