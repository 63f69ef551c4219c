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
  out.no_new_privileges = p["noNewPrivileges"].b();
  out.create_cwd = p["createCwd"].b();
  out.has_oom_score_adj = !p["oomScoreAdj"].is_null();
  out.oom_score_adj = int(p["oomScoreAdj"].i64());
  if (out.args.empty()) die_message("plan: process.args is empty");
  return out;
}

}  // namespace

Plan plan_from_json(const JsonValue& v) {
  if (v["version"].i64() != 1) die_message("plan: unsupported InitPlan version " + v["version"].text);
  Plan plan;
  plan.container_id = v["containerId"].str();
  for (const auto& j : v["joinNamespaces"].items) plan.join_namespaces.push_back({int(j["flag"].i64()), j["path"].str()});
  plan.create_namespaces = int(v["createNamespaces"].i64());
  plan.wait_for_id_maps = v["waitForIdMaps"].b();
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
    plan.mounts.push_back(pm);
  }
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
  plan.create_container_hooks = hooks_from(v["hooks"]["createContainer"]);
  plan.start_container_hooks = hooks_from(v["hooks"]["startContainer"]);
  if ((plan.rootfs.empty() || plan.rootfs[0] != '/')) die_message("plan: rootfs must be absolute");
  return plan;
}

}  // namespace ocirt
