#include "lab/runner/lab.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "controller/topology/topology_file.h"
#include "lab/runner/dataplane_client.h"

namespace cpn::lab {
namespace fs = std::filesystem;
namespace {

constexpr char kNetnsDir[] = "/var/run/netns";
constexpr char kDpdkDir[] = "/var/run/dpdk";

std::string EnvOr(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v != nullptr && *v != '\0' ? v : fallback;
}

int FreeTcpPort() {
  const int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin6_port);
  }
  close(fd);
  return port;
}

// Inode of a network namespace file (/var/run/netns/X or /proc/P/ns/net).
ino_t NetnsInode(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Alive(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

// Names in `dir` that start with `prefix`.
std::vector<std::string> Entries(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0) out.push_back(n);
  }
  return out;
}

// Pids whose network namespace is `netns`.
std::vector<pid_t> PidsIn(const std::string& netns) {
  const ino_t ino = NetnsInode(absl::StrCat(kNetnsDir, "/", netns));
  std::vector<pid_t> out;
  if (ino == 0) return out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(e.path().filename().string(), &pid)) continue;
    if (pid != getpid() && NetnsInode(absl::StrCat("/proc/", pid, "/ns/net")) == ino)
      out.push_back(pid);
  }
  return out;
}

// Pids of CPN programs (argv[0] named cpn-*) whose command line names
// `dir` + "/": the controller, whose topology and event log live in the
// lab's state directory. (A shell tailing a log there is left alone.)
std::vector<pid_t> PidsNaming(const std::string& dir) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(e.path().filename().string(), &pid) || pid == getpid()) continue;
    const std::string cmdline = ReadFile(absl::StrCat("/proc/", pid, "/cmdline"));
    const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
    if (fs::path(argv0).filename().string().rfind("cpn-", 0) == 0 &&
        cmdline.find(dir + "/") != std::string::npos) {
      out.push_back(pid);
    }
  }
  return out;
}

}  // namespace

LabBinaries LabBinaries::Default() {
  return LabBinaries{EnvOr("CPN_DATAPLANE_BIN", CPN_LAB_DATAPLANE_BIN),
                     EnvOr("CPN_CONTROLLER_BIN", CPN_LAB_CONTROLLER_BIN),
                     EnvOr("CPN_SITE_BIN", CPN_LAB_SITE_BIN),
                     EnvOr("CPN_LOADGEN_BIN", CPN_LAB_LOADGEN_BIN)};
}

absl::Status DisableTxOffload(const std::string& netns, const std::string& device) {
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    const int nsfd = open(absl::StrCat(kNetnsDir, "/", netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(10);
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) _exit(11);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, device.c_str(), IFNAMSIZ - 1);
    for (uint32_t cmd : {ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO}) {
      ethtool_value v{};
      v.cmd = cmd;
      v.data = 0;
      ifr.ifr_data = reinterpret_cast<char*>(&v);
      if (ioctl(fd, SIOCETHTOOL, &ifr) != 0 && cmd == ETHTOOL_STXCSUM) _exit(12);
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("cannot turn transmit checksum offload off on ", device,
                                          " in namespace ", netns, " (step ",
                                          WIFEXITED(status) ? WEXITSTATUS(status) : -1, ")"));
}

Lab::Lab(LabPlan plan, LabBinaries binaries, std::string scenario_path, CommandRunner& runner,
         std::ostream& log)
    : plan_(std::move(plan)),
      bin_(std::move(binaries)),
      scenario_path_(std::move(scenario_path)),
      runner_(runner),
      log_(log) {
  state_.name = plan_.name;
}

std::string Lab::LogPath(const std::string& process) const {
  return absl::StrCat(plan_.state_dir, "/logs/", process, ".log");
}

absl::Status Lab::Ip(std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  return runner_.Run(args).status();
}

absl::Status Lab::Save() { return SaveLabState(plan_.state_dir, state_); }

absl::StatusOr<pid_t> Lab::Spawn(const std::string& role, const std::string& id,
                                 const std::string& netns, const std::vector<std::string>& argv) {
  std::vector<std::string> full;
  if (!netns.empty()) full = {"ip", "netns", "exec", netns};
  full.insert(full.end(), argv.begin(), argv.end());
  const std::string log_path = LogPath(absl::StrCat(role, "-", id));
  std::vector<char*> args;
  for (const std::string& a : full) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    setsid();
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    if (in >= 0) dup2(in, 0);
    execvp(args[0], args.data());
    _exit(127);
  }
  state_.processes.push_back(LabProcessRecord{pid, role, id, netns});
  if (absl::Status s = Save(); !s.ok()) return s;
  log_ << "cpn-lab: started " << role << " " << id << " (pid " << pid << ", log " << log_path
       << ")\n";
  return pid;
}

absl::Status Lab::CreateNetwork() {
  for (const Node& n : plan_.nodes) {
    state_.netns.push_back(n.netns);
    if (absl::Status s = Save(); !s.ok()) return s;
    if (absl::Status s = Ip({"netns", "add", n.netns}); !s.ok()) return s;
    if (absl::Status s = Ip({"-n", n.netns, "link", "set", "lo", "up"}); !s.ok()) return s;
  }
  for (const VethPair& v : plan_.veths) {
    std::vector<std::string> cmd = {"link", "add", v.a.name};
    if (!v.a.netns.empty()) cmd.insert(cmd.end(), {"netns", v.a.netns});
    if (!v.a.mac.empty()) cmd.insert(cmd.end(), {"address", v.a.mac});
    cmd.insert(cmd.end(), {"mtu", absl::StrCat(v.a.mtu), "type", "veth", "peer", "name", v.b.name,
                           "netns", v.b.netns});
    if (!v.b.mac.empty()) cmd.insert(cmd.end(), {"address", v.b.mac});
    cmd.insert(cmd.end(), {"mtu", absl::StrCat(v.b.mtu)});
    if (v.a.netns.empty()) {
      state_.veths.push_back(v.a.name);
      if (absl::Status s = Save(); !s.ok()) return s;
    }
    if (absl::Status s = Ip(cmd); !s.ok()) return s;
  }
  for (const Node& n : plan_.nodes) {
    const std::string root_dev = absl::StrCat(plan_.tag, "m", n.index);
    for (const auto& c : std::vector<std::vector<std::string>>{
             {"addr", "add", n.root_mgmt_ip + "/30", "dev", root_dev},
             {"link", "set", root_dev, "up"},
             {"-n", n.netns, "addr", "add", n.mgmt_ip + "/30", "dev", "mgmt"},
             {"-n", n.netns, "link", "set", "mgmt", "up"}}) {
      if (absl::Status s = Ip(c); !s.ok()) return s;
    }
    if (n.kind == NodeKind::kRouter) {
      // The dataplane owns these ports: no addresses, no kernel IPv6 chatter.
      for (const std::string& dev : n.router_ports) {
        if (absl::Status s = Ip({"-n", n.netns, "link", "set", dev, "addrgenmode", "none"});
            !s.ok())
          return s;
        if (absl::Status s = Ip({"-n", n.netns, "link", "set", dev, "up"}); !s.ok()) return s;
      }
      continue;
    }
    // A host: its address, the router port as default gateway (static
    // neighbour: the dataplane answers no ND), anycast addresses on lo.
    for (const auto& c : std::vector<std::vector<std::string>>{
             {"-n", n.netns, "-6", "addr", "add", n.host_address, "dev", "eth0", "nodad"},
             {"-n", n.netns, "link", "set", "eth0", "up"},
             {"-n", n.netns, "-6", "neigh", "replace", "fe80::1", "lladdr", n.gateway_mac, "dev",
              "eth0", "nud", "permanent"},
             {"-n", n.netns, "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0"},
             // The controller listens on another node's root end.
             {"-n", n.netns, "route", "add", plan_.mgmt_prefix, "via", n.root_mgmt_ip, "dev",
              "mgmt"}}) {
      if (absl::Status s = Ip(c); !s.ok()) return s;
    }
    for (const std::string& a : n.anycast_addresses) {
      if (absl::Status s = Ip({"-n", n.netns, "-6", "addr", "add", a + "/128", "dev", "lo"});
          !s.ok())
        return s;
    }
    if (absl::Status s = DisableTxOffload(n.netns, "eth0"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Lab::StartDataplanes() {
  for (const DataplaneProcess& d : plan_.dataplanes) {
    state_.dpdk_prefixes.push_back(d.file_prefix);
    // --lab-emulation: tc netem does not exist here, the dataplane's tx
    // path emulates the links. Delay and rate come from the controller
    // (--emulate-links), loss from the lab (ApplyLinkLoss).
    std::vector<std::string> argv = {
        bin_.dataplane, "--router-id", d.router_id, "--listen", d.listen, "--file-prefix",
        d.file_prefix,  "--workers",   "1",         "-m",       "256",    "--lab-emulation"};
    for (const std::string& p : d.ports) argv.insert(argv.end(), {"--port", p});
    if (absl::StatusOr<pid_t> pid = Spawn("dataplane", d.router_id, d.netns, argv); !pid.ok())
      return pid.status();
  }
  return absl::OkStatus();
}

absl::Status Lab::ApplyLinkLoss() {
  for (const LinkLossOverride& o : plan_.link_loss) {
    DataplaneClient dp(o.dataplane);
    // The dataplanes were just started: wait for them to serve.
    absl::StatusOr<cpn::dataplane::v1::PortStatus> st =
        dp.SetPortEmulation(o.port_id, o.emulation, absl::Seconds(30));
    if (!st.ok()) {
      return absl::Status(
          st.status().code(),
          absl::StrCat("link ", o.link_id, ": cannot set its loss on router ", o.router_id,
                       " port ", o.port_id, " (", o.port_name, "): ", st.status().message()));
    }
    log_ << "cpn-lab: link " << o.link_id << ": " << 100 * o.emulation.loss_ratio()
         << "% loss on router " << o.router_id << " port " << o.port_id << " (" << o.port_name
         << "), SetPortEmulation override\n";
  }
  return absl::OkStatus();
}

absl::Status Lab::StartController() {
  std::vector<std::string> argv = {bin_.controller,
                                   "--listen",
                                   absl::StrCat(plan_.controller_ip, ":", controller_port_),
                                   "--topology",
                                   plan_.state_dir + "/topology.txtpb",
                                   "--metrics-min-interval-ms",
                                   "100",
                                   "--event-log",
                                   plan_.state_dir + "/events.jsonl",
                                   "--emulate-links"};
  for (const auto& [site, mac] : plan_.gateway_macs) {
    argv.insert(argv.end(), {"--site-gateway-mac", absl::StrCat(site, "=", mac)});
  }
  argv.insert(argv.end(), plan_.controller_flags.begin(), plan_.controller_flags.end());
  absl::StatusOr<pid_t> pid = Spawn("controller", "controller", "", argv);
  if (!pid.ok()) return pid.status();
  controller_pid_ = *pid;
  return controller_->WaitServing(absl::Seconds(20));
}

absl::Status Lab::StopController() {
  if (controller_pid_ <= 0) return absl::OkStatus();
  kill(controller_pid_, SIGKILL);
  while (waitpid(controller_pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  controller_pid_ = -1;
  return absl::OkStatus();
}

absl::Status Lab::StartSite(const std::string& site_id) {
  for (const SiteProcess& sp : plan_.sites) {
    if (sp.site_id != site_id) continue;
    std::vector<std::string> argv = {bin_.site,     "--scenario", scenario_path_,
                                     "--site",      sp.site_id,   "--service",
                                     sp.service_id, "--listen",   sp.listen};
    if (plan_.policy == LabPolicy::kCpn) {
      argv.insert(argv.end(),
                  {"--controller", absl::StrCat(sp.controller_address, ":", controller_port_)});
    }
    const std::string process = absl::StrCat(sp.site_id, ".", sp.service_id);
    const size_t logged = ReadFile(LogPath("site-" + process)).size();  // restarts append
    absl::StatusOr<pid_t> pid = Spawn("site", process, sp.netns, argv);
    if (!pid.ok()) return pid.status();
    site_pids_[site_id].push_back(*pid);
    // Serving before the first request arrives.
    for (const absl::Time deadline = absl::Now() + absl::Seconds(15);;
         absl::SleepFor(absl::Milliseconds(20))) {
      const std::string log = ReadFile(LogPath("site-" + process));
      if (log.find("listening on", logged) != std::string::npos) break;
      if (absl::Now() > deadline || waitpid(*pid, nullptr, WNOHANG) == *pid) {
        return absl::UnavailableError(absl::StrCat("cpn-site ", process, " did not start serving; ",
                                                   "its log ", LogPath("site-" + process), ":\n",
                                                   log.substr(logged)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Lab::StopSite(const std::string& site_id, const std::function<void()>& stopping) {
  for (pid_t pid : site_pids_[site_id]) kill(pid, SIGTERM);
  if (stopping) stopping();
  for (pid_t pid : site_pids_[site_id]) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  site_pids_.erase(site_id);
  return absl::OkStatus();
}

absl::Status Lab::SetLinkDevices(const std::string& link_id, bool up) {
  const auto it = plan_.link_devices.find(link_id);
  if (it == plan_.link_devices.end())
    return absl::NotFoundError(absl::StrCat("no link \"", link_id, "\" in the lab"));
  for (const VethEnd& e : {it->second.first, it->second.second}) {
    if (absl::Status s = Ip({"-n", e.netns, "link", "set", e.name, up ? "up" : "down"}); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<pid_t> Lab::StartLoadgen(const std::string& client_id,
                                        const std::vector<std::string>& extra_args) {
  for (const ClientProcess& c : plan_.clients) {
    if (c.client_id != client_id) continue;
    std::vector<std::string> argv = {bin_.loadgen,   "--target", c.target, "--scenario",
                                     scenario_path_, "--client", client_id};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return Spawn("loadgen", client_id, c.netns, argv);
  }
  return absl::NotFoundError(absl::StrCat("no client \"", client_id, "\""));
}

absl::Status Lab::Up() {
  std::error_code ec;
  if (fs::exists(plan_.state_dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat("lab \"", plan_.name, "\" exists (",
                                                 plan_.state_dir, "); run `cpn-lab down --name ",
                                                 plan_.name, "` first"));
  }
  fs::create_directories(plan_.state_dir + "/logs", ec);
  if (ec)
    return absl::InternalError(absl::StrCat("cannot create ", plan_.state_dir, ": ", ec.message()));
  controller_port_ = FreeTcpPort();
  state_.controller = absl::StrCat(plan_.controller_ip, ":", controller_port_);
  controller_ = std::make_unique<ControllerClient>(state_.controller);
  if (absl::Status s = Save(); !s.ok()) return s;
  if (absl::Status s =
          cpn::topology::SaveTopologyFile(plan_.state_dir + "/topology.txtpb", plan_.topology);
      !s.ok())
    return s;

  const absl::Time t0 = absl::Now();
  if (absl::Status s = CreateNetwork(); !s.ok()) return s;
  log_ << "cpn-lab: " << plan_.nodes.size() << " namespaces, " << plan_.veths.size()
       << " veth pairs in " << absl::FormatDuration(absl::Now() - t0) << "\n";
  if (absl::Status s = StartDataplanes(); !s.ok()) return s;
  if (absl::Status s = ApplyLinkLoss(); !s.ok()) return s;
  if (absl::Status s = StartController(); !s.ok()) return s;
  std::set<std::string> sites;
  for (const SiteProcess& sp : plan_.sites) sites.insert(sp.site_id);
  for (const std::string& s : sites) {
    if (absl::Status st = StartSite(s); !st.ok()) return st;
  }
  return absl::OkStatus();
}

std::vector<std::string> LabLeftovers(const std::string& name, const std::string& state_root) {
  std::vector<std::string> out;
  const std::string prefix = NamespacePrefix(name);
  for (const std::string& n : Entries(kNetnsDir, prefix)) {
    out.push_back(absl::StrCat("namespace ", n));
    for (pid_t pid : PidsIn(n)) out.push_back(absl::StrCat("process ", pid, " in ", n));
  }
  for (const std::string& n : Entries("/sys/class/net", LabTag(name) + "m"))
    out.push_back(absl::StrCat("veth ", n));
  for (const std::string& n : Entries(kDpdkDir, prefix))
    out.push_back(absl::StrCat("dpdk runtime ", kDpdkDir, "/", n));
  for (pid_t pid : PidsNaming(absl::StrCat(state_root, "/", name)))
    out.push_back(absl::StrCat("process ", pid, " naming ", state_root, "/", name));
  std::error_code ec;
  if (fs::exists(absl::StrCat(state_root, "/", name), ec))
    out.push_back(absl::StrCat("state ", state_root, "/", name));
  return out;
}

absl::Status DownLab(const std::string& name, const std::string& state_root, CommandRunner& runner,
                     std::ostream& log) {
  if (absl::Status s = CheckLabName(name); !s.ok()) return s;
  const std::string dir = absl::StrCat(state_root, "/", name);
  const std::string prefix = NamespacePrefix(name);
  LabState state;
  state.name = name;
  if (absl::StatusOr<LabState> loaded = LoadLabState(dir); loaded.ok()) {
    state = *loaded;
  } else if (!absl::IsNotFound(loaded.status())) {
    log << "cpn-lab: " << loaded.status().message() << " (cleaning up by name)\n";
  }
  std::set<std::string> netns(state.netns.begin(), state.netns.end());
  for (const std::string& n : Entries(kNetnsDir, prefix)) netns.insert(n);

  // Processes: recorded ones that are still ours, and whatever runs in the
  // lab's namespaces.
  std::set<pid_t> pids;
  for (const LabProcessRecord& p : state.processes) {
    if (!Alive(p.pid)) continue;
    const bool ours =
        p.netns.empty()
            ? ReadFile(absl::StrCat("/proc/", p.pid, "/cmdline")).find(dir) != std::string::npos
            : NetnsInode(absl::StrCat("/proc/", p.pid, "/ns/net")) ==
                  NetnsInode(absl::StrCat(kNetnsDir, "/", p.netns));
    if (ours) pids.insert(p.pid);
  }
  for (const std::string& n : netns)
    for (pid_t pid : PidsIn(n)) pids.insert(pid);
  for (pid_t pid : PidsNaming(dir)) pids.insert(pid);  // without a state file too
  for (pid_t pid : pids) kill(pid, SIGTERM);
  // Dataplanes shut EAL down on SIGTERM; many at once on two cores take a
  // while: 5 s plus 100 ms per process, at most 20 s.
  const absl::Duration grace =
      std::min(absl::Seconds(20), absl::Seconds(5) + absl::Milliseconds(100) * pids.size());
  for (const absl::Time deadline = absl::Now() + grace; absl::Now() < deadline;) {
    bool any = false;
    for (pid_t pid : pids) {
      waitpid(pid, nullptr, WNOHANG);  // our children, when down runs inside run
      any = any || Alive(pid);
    }
    if (!any) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::vector<std::string> killed;
  for (pid_t pid : pids) {
    if (Alive(pid)) {
      killed.push_back(absl::StrCat(pid));
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  if (!killed.empty()) {
    log << "cpn-lab: " << killed.size() << " processes still ran " << absl::FormatDuration(grace)
        << " after SIGTERM; SIGKILLed: " << absl::StrJoin(killed, " ") << "\n";
  }
  absl::Status result = absl::OkStatus();
  for (const std::string& n : netns) {
    absl::StatusOr<std::string> r = runner.Run({"ip", "netns", "del", n});
    if (!r.ok() && fs::exists(absl::StrCat(kNetnsDir, "/", n))) result.Update(r.status());
  }
  std::set<std::string> veths(state.veths.begin(), state.veths.end());
  for (const std::string& v : Entries("/sys/class/net", LabTag(name) + "m")) veths.insert(v);
  for (const std::string& v : veths) {
    std::error_code ec;
    if (!fs::exists("/sys/class/net/" + v, ec)) continue;  // gone with its namespace
    absl::StatusOr<std::string> r = runner.Run({"ip", "link", "del", v});
    if (!r.ok() && fs::exists("/sys/class/net/" + v, ec)) result.Update(r.status());
  }
  std::set<std::string> dpdk(state.dpdk_prefixes.begin(), state.dpdk_prefixes.end());
  for (const std::string& p : Entries(kDpdkDir, prefix)) dpdk.insert(p);
  for (const std::string& p : dpdk) {
    std::error_code ec;
    fs::remove_all(absl::StrCat(kDpdkDir, "/", p), ec);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  log << "cpn-lab: lab \"" << name << "\" down: " << pids.size() << " processes stopped, "
      << netns.size() << " namespaces, " << dpdk.size() << " DPDK runtime directories removed\n";
  return result;
}

}  // namespace cpn::lab
