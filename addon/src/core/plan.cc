#include "core/plan.h"

#include "core/sys_error.h"

namespace ocirt {

namespace {

std::vector<PlanHook> hooks_from(const JsonValue& list) {
  std::vector<PlanHook> hooks;
  for (const auto& h : list.items)
    hooks.push_back({h["path"].str(), h["args"].strings(), h["env"].strings(), int(h["timeout"].i64())});
  return hooks;
}

void mount_extensions_from(const JsonValue& m, PlanMount& pm) {
  const JsonValue& r = m["recursiveAttributes"];
  if (!r.is_null()) {
    pm.has_recursive_attributes = true;
    pm.attr_set = r["attrSet"].u64();
    pm.attr_clr = r["attrClear"].u64();
    pm.attributes_after_setup = r["afterSetup"].b();
  }
  const JsonValue& c = m["copyUp"];
  if (!c.is_null()) {
    pm.copy_up = true;
    pm.copy_up_root_owner = c["rootOwner"].b();
  }
}

TimeOffset offset_from(const JsonValue& v) {
  TimeOffset o;
  if (v.is_null()) return o;
  o.set = true;
  o.secs = v["secs"].i64();
  o.nanosecs = v["nanosecs"].i64();
  return o;
}

PlanProcess process_from(const JsonValue& p) {
  PlanProcess out;
  out.args = p["args"].strings();
  out.env = p["env"].strings();
  out.cwd = p["cwd"].str();
  out.search_path = p["searchPath"].str();
  out.uid = uid_t(p["uid"].u64());
  out.gid = gid_t(p["gid"].u64());
  for (const auto& g : p["additionalGids"].items) out.additional_gids.push_back(gid_t(g.u64()));
  out.umask = int(p["umask"].i64());
  const JsonValue& c = p["capabilities"];
  out.caps = {c["bounding"].u64(), c["effective"].u64(), c["inheritable"].u64(), c["permitted"].u64(),
              c["ambient"].u64()};
  for (const auto& r : p["rlimits"].items)
    out.rlimits.push_back({int(r["resource"].i64()), r["soft"].u64(), r["hard"].u64()});
  out.rlimits_by_runtime = p["rlimitsByRuntime"].b();
  out.no_new_privileges = p["noNewPrivileges"].b();
  out.create_cwd = p["createCwd"].b();
  out.has_oom_score_adj = !p["oomScoreAdj"].is_null();
  out.oom_score_adj = int(p["oomScoreAdj"].i64());
  if (out.args.empty()) die_message("plan: process.args is empty");
  return out;
}

PlanTerminal terminal_from(const JsonValue& t) {
  PlanTerminal out;
  if (t.is_null()) return out;
  out.enabled = true;
  out.channel_fd = int(t["channelFd"].i64());
  out.rows = (unsigned short)t["rows"].u64();
  out.cols = (unsigned short)t["cols"].u64();
  out.mount_console = t["mountConsole"].b();
  out.clear_onlcr = t["clearOnlcr"].b();
  if (out.channel_fd < 3) die_message("plan: terminal.channelFd must be 3 or more");
  return out;
}

std::vector<NamespaceJoin> joins_from(const JsonValue& list) {
  std::vector<NamespaceJoin> out;
  for (const auto& j : list.items) out.push_back({int(j["flag"].i64()), j["path"].str()});
  return out;
}

}  // namespace

std::vector<unsigned long> mask_words_from(const JsonValue& list) {
  std::vector<unsigned long> words;
  for (const auto& w : list.items) words.push_back((unsigned long)w.u64());
  return words;
}

PlanAttributes attributes_from(const JsonValue& v) {
  PlanAttributes a;
  const JsonValue& s = v["scheduler"];
  if (!s.is_null()) {
    a.scheduler.set = true;
    a.scheduler.policy = uint32_t(s["policy"].u64());
    a.scheduler.flags = s["flags"].u64();
    a.scheduler.nice = int32_t(s["nice"].i64());
    a.scheduler.priority = uint32_t(s["priority"].u64());
    a.scheduler.runtime = s["runtime"].u64();
    a.scheduler.deadline = s["deadline"].u64();
    a.scheduler.period = s["period"].u64();
  }
  a.has_io_priority = !v["ioPriority"].is_null();
  a.io_priority = int(v["ioPriority"].i64());
  a.has_personality = !v["personality"].is_null();
  a.personality = (unsigned long)v["personality"].u64();
  const JsonValue& mp = v["memoryPolicy"];
  if (!mp.is_null()) {
    a.memory_policy.set = true;
    a.memory_policy.mode = int(mp["mode"].i64());
    a.memory_policy.node_mask = mask_words_from(mp["nodeMask"]);
    a.memory_policy.max_node = (unsigned long)mp["maxNode"].u64();
  }
  for (const auto& w : v["execLabels"].items) a.exec_labels.push_back({w["path"].str(), w["value"].str()});
  a.cpu_affinity_final = mask_words_from(v["cpuAffinity"]["final"]);
  const JsonValue& sc = v["seccomp"];
  if (!sc.is_null()) {
    a.seccomp.set = true;
    a.seccomp.filter_base64 = sc["filter"].str();
    a.seccomp.flags = (unsigned int)sc["flags"].u64();
    a.seccomp.notify = sc["notify"].b();
    a.seccomp.before_credentials = sc["beforeCredentials"].b();
    if (a.seccomp.filter_base64.empty()) die_message("plan: seccomp.filter is empty");
  }
  return a;
}

Plan plan_from_json(const JsonValue& v) {
  if (v["version"].i64() != 1) die_message("plan: unsupported InitPlan version " + v["version"].text);
  Plan plan;
  plan.container_id = v["containerId"].str();
  plan.join_namespaces = joins_from(v["joinNamespaces"]);
  plan.create_namespaces = int(v["createNamespaces"].i64());
  plan.wait_for_id_maps = v["waitForIdMaps"].b();
  plan.dumpable_for_id_maps = v["dumpableForIdMaps"].b();
  const JsonValue& joined_ids = v["joinedUserNamespaceIds"];
  if (!joined_ids.is_null()) {
    plan.has_joined_user_namespace_ids = true;
    plan.joined_user_namespace_uid = uid_t(joined_ids["uid"].u64());
    plan.joined_user_namespace_gid = gid_t(joined_ids["gid"].u64());
  }
  const JsonValue& offsets = v["timeOffsets"];
  if (!offsets.is_null()) {
    plan.monotonic = offset_from(offsets["monotonic"]);
    plan.boottime = offset_from(offsets["boottime"]);
  }
  plan.exec_fifo = v["execFifo"].str();
  plan.rootfs = v["rootfs"].str();
  plan.root_propagation = v["rootPropagation"].u64();
  plan.make_rootfs_private = v["makeRootfsPrivate"].b();
  plan.no_pivot = v["noPivot"].b();
  plan.hide_fs_types_outside_root = v["hideFsTypesOutsideRoot"].strings();
  plan.readonly_root = v["readonlyRoot"].b();
  plan.own_mount_namespace = v["ownMountNamespace"].b();
  for (const auto& m : v["mounts"].items) {
    PlanMount pm;
    pm.source = m["source"].str();
    pm.destination = m["destination"].str();
    pm.fstype = m["fstype"].str();
    pm.data = m["data"].str();
    pm.flags = m["flags"].u64();
    pm.remount_flags = m["remountFlags"].u64();
    for (const auto& p : m["propagation"].items) pm.propagation.push_back(p.u64());
    pm.create_file = m["createAs"].str() == "file";
    pm.no_symlinks = m["noSymlinks"].b();
    pm.readonly_after_setup = m["readonlyAfterSetup"].b();
    pm.copy_mount_point_mode = m["copyMountPointMode"].b();
    mount_extensions_from(m, pm);
    pm.preopen_source = m["preopenSource"].b();
    const JsonValue& idmap = m["idmap"];
    if (!idmap.is_null()) {
      pm.idmap.set = true;
      pm.idmap.user_namespace = size_t(idmap["userNamespace"].u64());
      pm.idmap.recursive = idmap["recursive"].b();
      pm.idmap.clone_recursive = idmap["cloneRecursive"].b();
      pm.idmap.config_pointer = idmap["configPointer"].str();
    }
    plan.mounts.push_back(pm);
  }
  for (const auto& u : v["idmapUserNamespaces"].items)
    plan.idmap_user_namespaces.push_back({u["path"].str(), u["uidMap"].str(), u["gidMap"].str()});
  for (const auto& m : plan.mounts)
    if (m.idmap.set && m.idmap.user_namespace >= plan.idmap_user_namespaces.size())
      die_message("plan: mount idmap.userNamespace out of range", m.destination);
  for (const auto& d : v["devices"].items)
    plan.devices.push_back({d["path"].str(), mode_t(d["mode"].u64()), unsigned(d["major"].u64()),
                            unsigned(d["minor"].u64()), uid_t(d["uid"].u64()), gid_t(d["gid"].u64()),
                            d["bind"].b()});
  for (const auto& s : v["devSymlinks"].items)
    plan.dev_symlinks.push_back({s["target"].str(), s["link"].str(), s["replace"].b()});
  plan.masked_paths = v["maskedPaths"].strings();
  plan.readonly_paths = v["readonlyPaths"].strings();
  for (const auto& s : v["sysctl"].items) plan.sysctl.emplace_back(s["path"].str(), s["value"].str());
  plan.has_hostname = !v["hostname"].is_null();
  plan.hostname = v["hostname"].str();
  plan.has_domainname = !v["domainname"].is_null();
  plan.domainname = v["domainname"].str();
  plan.process = process_from(v["process"]);
  plan.preserve_fds = int(v["preserveFds"].i64());
  plan.terminal = terminal_from(v["terminal"]);
  plan.attributes = attributes_from(v);
  plan.create_container_hooks = hooks_from(v["hooks"]["createContainer"]);
  plan.start_container_hooks = hooks_from(v["hooks"]["startContainer"]);
  if ((plan.rootfs.empty() || plan.rootfs[0] != '/')) die_message("plan: rootfs must be absolute");
  return plan;
}

ExecPlan exec_plan_from_json(const JsonValue& v) {
  if (v["version"].i64() != 1) die_message("plan: unsupported ExecPlan version " + v["version"].text);
  ExecPlan plan;
  plan.container_id = v["containerId"].str();
  plan.join_namespaces = joins_from(v["joinNamespaces"]);
  plan.has_chroot = !v["chroot"].is_null();
  plan.chroot = v["chroot"].str();
  plan.process = process_from(v["process"]);
  plan.terminal = terminal_from(v["terminal"]);
  plan.preserve_fds = int(v["preserveFds"].i64());
  plan.listen_fds = int(v["listenFds"].i64());
  plan.attributes = attributes_from(v);
  if (plan.has_chroot && (plan.chroot.empty() || plan.chroot[0] != '/')) die_message("plan: chroot must be absolute");
  if (plan.process.cwd.empty() || plan.process.cwd[0] != '/') die_message("plan: process.cwd must be absolute");
  return plan;
}

}  // namespace ocirt
