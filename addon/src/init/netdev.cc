// `ocirt-init <syncfd> netdev`: moves host network interfaces into a container's
// network namespace (linux.netDevices), as runc's parent does. Run by the runtime, as a
// separate short-lived process in the host's namespaces with the runtime's credentials,
// once the container's init exists: the container's init itself cannot do it, as after
// unsharing a user namespace it has no CAP_NET_ADMIN over the host's network namespace.
//
// For each device, over rtnetlink in the host's namespace: set it down, remember its
// permanent global addresses, then move and rename it in one RTM_NEWLINK
// (IFLA_NET_NS_FD + IFLA_IFNAME). Then, inside the container's namespace: add the
// addresses back (the kernel drops them on a move) and set the device up.
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {

struct Device {
  std::string host_name, name;
};

struct Address {
  unsigned char family = 0, prefixlen = 0;
  std::vector<uint8_t> local, address, broadcast;
};

// A request under construction: header, fixed payload, attributes.
class Request {
 public:
  Request(uint16_t type, uint16_t flags, const void* payload, size_t len) : buf_(NLMSG_SPACE(len), 0) {
    header()->nlmsg_type = type;
    header()->nlmsg_flags = flags;
    memcpy(NLMSG_DATA(header()), payload, len);
    header()->nlmsg_len = uint32_t(buf_.size());
  }
  void attr(uint16_t type, const void* data, size_t len) {
    size_t at = NLMSG_ALIGN(buf_.size());
    buf_.resize(at + RTA_SPACE(len), 0);
    struct rtattr* a = reinterpret_cast<struct rtattr*>(buf_.data() + at);
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    header()->nlmsg_len = uint32_t(buf_.size());
  }
  struct nlmsghdr* header() { return reinterpret_cast<struct nlmsghdr*>(buf_.data()); }
  std::vector<char>& bytes() { return buf_; }

 private:
  std::vector<char> buf_;
};

class Netlink {
 public:
  Netlink() {
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) die_errno("socket", "NETLINK_ROUTE");
  }
  ~Netlink() { close(fd_); }

  // Sends the request with NLM_F_ACK; returns 0 or the negative errno of the ack.
  int call(Request& r) {
    r.header()->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    uint32_t seq = send(r);
    int result = 1;
    receive(seq, [&](struct nlmsghdr* h) {
      if (h->nlmsg_type == NLMSG_ERROR) result = reinterpret_cast<struct nlmsgerr*>(NLMSG_DATA(h))->error;
      return result == 1;
    });
    return result;
  }

  // Sends a NLM_F_DUMP request; calls on_message for each reply until NLMSG_DONE.
  template <typename F>
  void dump(Request& r, F on_message) {
    r.header()->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
    uint32_t seq = send(r);
    receive(seq, [&](struct nlmsghdr* h) {
      if (h->nlmsg_type == NLMSG_DONE) return false;
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = reinterpret_cast<struct nlmsgerr*>(NLMSG_DATA(h))->error;
        if (err != 0) die_errno_code(-err, "netlink", "dump");
        return false;
      }
      on_message(h);
      return true;
    });
  }

 private:
  uint32_t send(Request& r) {
    uint32_t seq = ++seq_;
    r.header()->nlmsg_seq = seq;
    struct sockaddr_nl kernel = {};
    kernel.nl_family = AF_NETLINK;
    ssize_t n;
    do n = sendto(fd_, r.bytes().data(), r.bytes().size(), 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof kernel);
    while (n < 0 && errno == EINTR);
    if (n < 0) die_errno("sendto", "NETLINK_ROUTE");
    return seq;
  }

  // Reads replies to `seq` and passes each to on_reply until it returns false.
  template <typename F>
  void receive(uint32_t seq, F on_reply) {
    std::vector<char> buf(1 << 16);
    for (;;) {
      ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die_errno("recv", "NETLINK_ROUTE");
      int len = int(n);
      for (struct nlmsghdr* h = reinterpret_cast<struct nlmsghdr*>(buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_seq != seq) continue;
        if (!on_reply(h)) return;
      }
    }
  }

  int fd_ = -1;
  uint32_t seq_ = 0;
};

void check(int rc, const char* what, const std::string& device) {
  if (rc != 0) die_errno_code(-rc, what, device);
}

void set_link_flags(Netlink& nl, int index, unsigned flags, const std::string& device) {
  struct ifinfomsg ifi = {};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  ifi.ifi_flags = flags;
  ifi.ifi_change = IFF_UP;
  Request r(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  check(nl.call(r), flags & IFF_UP ? "netlink RTM_NEWLINK (up)" : "netlink RTM_NEWLINK (down)", device);
}

std::vector<uint8_t> attr_bytes(const struct rtattr* a) {
  const uint8_t* p = static_cast<const uint8_t*>(RTA_DATA(a));
  return std::vector<uint8_t>(p, p + RTA_PAYLOAD(a));
}

// The permanent addresses of global scope: the ones the user configured, which runc
// carries over to the new namespace.
std::vector<Address> permanent_addresses(Netlink& nl, int index) {
  std::vector<Address> out;
  struct ifaddrmsg req = {};
  req.ifa_family = AF_UNSPEC;
  Request r(RTM_GETADDR, 0, &req, sizeof req);
  nl.dump(r, [&](struct nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return;
    struct ifaddrmsg* ifa = reinterpret_cast<struct ifaddrmsg*>(NLMSG_DATA(h));
    if (int(ifa->ifa_index) != index || ifa->ifa_scope != RT_SCOPE_UNIVERSE) return;
    Address a;
    a.family = ifa->ifa_family;
    a.prefixlen = ifa->ifa_prefixlen;
    uint32_t flags = ifa->ifa_flags;
    int len = int(IFA_PAYLOAD(h));
    for (struct rtattr* at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len)) {
      if (at->rta_type == IFA_ADDRESS) a.address = attr_bytes(at);
      else if (at->rta_type == IFA_LOCAL) a.local = attr_bytes(at);
      else if (at->rta_type == IFA_BROADCAST) a.broadcast = attr_bytes(at);
      else if (at->rta_type == IFA_FLAGS && RTA_PAYLOAD(at) >= sizeof(uint32_t)) memcpy(&flags, RTA_DATA(at), sizeof flags);
    }
    if ((flags & IFA_F_PERMANENT) && !a.address.empty()) out.push_back(a);
  });
  return out;
}

void move_device(Netlink& nl, int index, int ns_fd, const Device& d) {
  struct ifinfomsg ifi = {};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  Request r(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  uint32_t fd = uint32_t(ns_fd);
  r.attr(IFLA_NET_NS_FD, &fd, sizeof fd);
  r.attr(IFLA_IFNAME, d.name.c_str(), d.name.size() + 1);
  check(nl.call(r), "netlink RTM_NEWLINK (move)", d.host_name);
}

void add_address(Netlink& nl, int index, const Address& a, const std::string& device) {
  struct ifaddrmsg ifa = {};
  ifa.ifa_family = a.family;
  ifa.ifa_prefixlen = a.prefixlen;
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = uint32_t(index);
  Request r(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  const std::vector<uint8_t>& local = a.local.empty() ? a.address : a.local;
  r.attr(IFA_LOCAL, local.data(), local.size());
  r.attr(IFA_ADDRESS, a.address.data(), a.address.size());
  if (!a.broadcast.empty()) r.attr(IFA_BROADCAST, a.broadcast.data(), a.broadcast.size());
  int rc = nl.call(r);
  if (rc != 0 && rc != -EEXIST) check(rc, "netlink RTM_NEWADDR", device);
}

int index_of(const std::string& name) {
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) die_errno("if_nametoindex", name);
  return int(index);
}

}  // namespace

void run_netdev(int sync_fd) {
  set_stage("netdev");
  JsonValue message = receive_message(sync_fd, "netdev");
  std::string ns_path = "/proc/" + std::to_string(message["pid"].i64()) + "/ns/net";
  std::vector<Device> devices;
  for (const auto& d : message["devices"].items) devices.push_back({d["hostName"].str(), d["name"].str()});
  int ns_fd = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) die_errno("open", ns_path);

  std::vector<std::vector<Address>> addresses;
  {
    Netlink host;
    for (const auto& d : devices) {
      int index = index_of(d.host_name);
      set_link_flags(host, index, 0, d.host_name);
      addresses.push_back(permanent_addresses(host, index));
      move_device(host, index, ns_fd, d);
    }
  }
  // This process is single-threaded and has the runtime's credentials: it may enter the
  // container's network namespace (never its user or mount namespace).
  if (setns(ns_fd, CLONE_NEWNET) != 0) die_errno("setns", ns_path);
  Netlink inside;
  for (size_t i = 0; i < devices.size(); i++) {
    int index = index_of(devices[i].name);
    for (const auto& a : addresses[i]) add_address(inside, index, a, devices[i].name);
    set_link_flags(inside, index, IFF_UP, devices[i].name);
  }
  if (!send_line(sync_fd, "{\"type\":\"done\"}")) die_errno("write", "sync channel");
  _exit(0);
}

}  // namespace ocirt
