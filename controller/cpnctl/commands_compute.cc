// cpnctl site add|list|delete|drain|undrain, service add|list|delete.
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"
#include "google/protobuf/text_format.h"

namespace cpn::cpnctl {

namespace cv1 = cpn::controller::v1;
namespace compute = cpn::compute::v1;
namespace cmn = cpn::common::v1;

namespace {

constexpr char kSiteUsage[] =
    "site add ID --router ROUTER --service SERVICE=SERVERS [--service ...] [--interface IF] "
    "[--next-hop IPV6] [--next-hop-ipv4 IPV4] [--prefix PREFIX ...] [--name NAME] [--lat DEG "
    "--lon DEG] [--down]\n"
    "       cpnctl site add --file SITE.txtpb\n"
    "       cpnctl site list | delete ID | drain ID | undrain ID";
constexpr char kServiceUsage[] =
    "service add ID --prefix IPV6_PREFIX [--ipv4-prefix PREFIX] [--name NAME] "
    "[--latency-bound-ms MS] [--request-bytes N] [--response-bytes N] [--service-time-ms MS] "
    "[--protocol tcp|udp] [--ports 443,8000-8080]\n"
    "       cpnctl service add --file SERVICE.txtpb\n"
    "       cpnctl service list | delete ID";

// Reads a text-format message from a file; false (after printing) on error.
bool ReadTextProto(Client& client, const std::string& command, const std::string& path,
                   google::protobuf::Message* message) {
  std::ifstream in(path);
  if (!in) {
    client.err() << "cpnctl " << command << ": cannot read " << path << "\n";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), message)) {
    client.err() << "cpnctl " << command << ": " << path << " is not a valid "
                 << message->GetDescriptor()->full_name() << " in text format\n";
    return false;
  }
  return true;
}

int AddSite(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"file"},
                                                {"router"},
                                                {"service", true, true},
                                                {"interface"},
                                                {"next-hop"},
                                                {"next-hop-ipv4"},
                                                {"prefix", true, true},
                                                {"name"},
                                                {"lat"},
                                                {"lon"},
                                                {"down", false}});
  if (!args.ok()) return client.Usage("site add", std::string(args.status().message()), kSiteUsage);
  compute::Site site;
  if (std::optional<std::string> file = args->Get("file")) {
    if (!args->positional.empty() || args->flags.size() != 1) {
      return client.Usage("site add", "--file takes the whole site; give nothing else", kSiteUsage);
    }
    if (!ReadTextProto(client, "site add", *file, &site)) return kExitUsage;
  } else {
    if (args->positional.size() != 1)
      return client.Usage("site add", "expected one site ID", kSiteUsage);
    if (!args->Has("router")) return client.Usage("site add", "--router is required", kSiteUsage);
    if (!args->Has("service")) {
      return client.Usage("site add", "--service SERVICE=SERVERS is required", kSiteUsage);
    }
    site.set_id(args->positional[0]);
    site.set_name(args->Get("name").value_or(""));
    compute::SiteAttachment* a = site.mutable_attachment();
    a->set_router_id(*args->Get("router"));
    a->set_interface(args->Get("interface").value_or(absl::StrCat("site-", site.id())));
    a->set_next_hop_ipv6(args->Get("next-hop").value_or(""));
    a->set_next_hop_ipv4(args->Get("next-hop-ipv4").value_or(""));
    for (const std::string& p : args->GetAll("prefix")) a->add_site_prefixes(p);
    for (const std::string& spec : args->GetAll("service")) {
      std::vector<std::string> parts = absl::StrSplit(spec, '=');
      uint32_t servers = 0;
      if (parts.size() != 2 || parts[0].empty() || !absl::SimpleAtoi(parts[1], &servers)) {
        return client.Usage("site add",
                            absl::StrCat("--service \"", spec, "\": expected SERVICE=SERVERS"),
                            kSiteUsage);
      }
      compute::SiteServiceCapacity* c = site.add_capacities();
      c->set_service_id(parts[0]);
      c->set_servers(servers);
    }
    absl::StatusOr<std::optional<double>> lat = args->GetDouble("lat");
    absl::StatusOr<std::optional<double>> lon = args->GetDouble("lon");
    if (!lat.ok()) return client.Usage("site add", std::string(lat.status().message()), kSiteUsage);
    if (!lon.ok()) return client.Usage("site add", std::string(lon.status().message()), kSiteUsage);
    if (lat->has_value() != lon->has_value()) {
      return client.Usage("site add", "give both --lat and --lon", kSiteUsage);
    }
    if (lat->has_value()) {
      site.mutable_location()->set_latitude_deg(**lat);
      site.mutable_location()->set_longitude_deg(**lon);
    }
    if (args->Has("down")) site.set_admin_state(cmn::ADMIN_STATE_DOWN);
  }
  if (!client.Connect()) return kExitUnreachable;
  cv1::CreateSiteRequest request;
  *request.mutable_site() = site;
  cv1::CreateSiteResponse response;
  grpc::Status s = client.stub().CreateSite(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("CreateSite", s);
  if (client.json()) {
    client.PrintJson(response);
  } else {
    client.out() << "site " << response.site().id() << " created (model generation "
                 << response.model_generation() << ")\n";
  }
  return kExitOk;
}

int ListSites(Client& client) {
  if (!client.Connect()) return kExitUnreachable;
  cv1::ListSitesResponse response;
  grpc::Status s = client.stub().ListSites(client.Call().get(), cv1::ListSitesRequest(), &response);
  if (!s.ok()) return client.Failed("ListSites", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  Table t({"id", "router", "services", "admin", "name"});
  for (const compute::Site& site : response.sites()) {
    std::vector<std::string> services;
    for (const compute::SiteServiceCapacity& c : site.capacities()) {
      services.push_back(absl::StrCat(c.service_id(), "(", c.servers(), ")"));
    }
    t.Add({site.id(), site.attachment().router_id(), absl::StrJoin(services, ","),
           site.admin_state() == cmn::ADMIN_STATE_DOWN ? "down" : "up", site.name()});
  }
  client.out() << t.Render();
  return kExitOk;
}

int SetSiteAdmin(Client& client, const std::string& id, bool up) {
  if (!client.Connect()) return kExitUnreachable;
  cv1::UpdateSiteRequest request;
  request.mutable_site()->set_id(id);
  request.mutable_site()->set_admin_state(up ? cmn::ADMIN_STATE_UP : cmn::ADMIN_STATE_DOWN);
  request.mutable_update_mask()->add_paths("admin_state");
  cv1::UpdateSiteResponse response;
  grpc::Status s = client.stub().UpdateSite(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("UpdateSite", s);
  if (client.json()) {
    client.PrintJson(response);
  } else {
    client.out() << "site " << id << (up ? " takes traffic again" : " drained (admin down)")
                 << " (model generation " << response.model_generation() << ")\n";
  }
  return kExitOk;
}

int AddService(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"file"},
                                                {"prefix"},
                                                {"ipv4-prefix"},
                                                {"name"},
                                                {"latency-bound-ms"},
                                                {"request-bytes"},
                                                {"response-bytes"},
                                                {"service-time-ms"},
                                                {"protocol"},
                                                {"ports"}});
  if (!args.ok()) {
    return client.Usage("service add", std::string(args.status().message()), kServiceUsage);
  }
  compute::Service service;
  if (std::optional<std::string> file = args->Get("file")) {
    if (!args->positional.empty() || args->flags.size() != 1) {
      return client.Usage("service add", "--file takes the whole service; give nothing else",
                          kServiceUsage);
    }
    if (!ReadTextProto(client, "service add", *file, &service)) return kExitUsage;
  } else {
    if (args->positional.size() != 1) {
      return client.Usage("service add", "expected one service ID", kServiceUsage);
    }
    if (!args->Has("prefix"))
      return client.Usage("service add", "--prefix is required", kServiceUsage);
    service.set_id(args->positional[0]);
    service.set_name(args->Get("name").value_or(""));
    service.set_anycast_prefix(*args->Get("prefix"));
    service.set_anycast_prefix_ipv4(args->Get("ipv4-prefix").value_or(""));
    auto bound = args->GetDouble("latency-bound-ms");
    auto req = args->GetUint("request-bytes");
    auto resp = args->GetUint("response-bytes");
    auto st = args->GetDouble("service-time-ms");
    for (const absl::Status& e : {bound.status(), req.status(), resp.status(), st.status()}) {
      if (!e.ok()) return client.Usage("service add", std::string(e.message()), kServiceUsage);
    }
    if (*bound) service.set_latency_bound_ms(**bound);
    if (*req) service.set_mean_request_bytes(**req);
    if (*resp) service.set_mean_response_bytes(**resp);
    if (*st) service.set_mean_service_time_ms(**st);
    if (std::optional<std::string> p = args->Get("protocol")) {
      if (*p == "tcp") {
        service.set_protocol(compute::PROTOCOL_TCP);
      } else if (*p == "udp") {
        service.set_protocol(compute::PROTOCOL_UDP);
      } else {
        return client.Usage("service add", "--protocol: expected tcp or udp", kServiceUsage);
      }
    }
    if (std::optional<std::string> ports = args->Get("ports")) {
      for (absl::string_view range : absl::StrSplit(*ports, ',')) {
        std::vector<std::string> ends = absl::StrSplit(range, '-');
        uint32_t first = 0, last = 0;
        if (ends.empty() || ends.size() > 2 || !absl::SimpleAtoi(ends[0], &first) ||
            (ends.size() == 2 && !absl::SimpleAtoi(ends[1], &last))) {
          return client.Usage(
              "service add",
              absl::StrCat("--ports: \"", std::string(range), "\" is not PORT or FIRST-LAST"),
              kServiceUsage);
        }
        compute::PortRange* pr = service.add_ports();
        pr->set_first(first);
        pr->set_last(last);
      }
    }
  }
  if (!client.Connect()) return kExitUnreachable;
  cv1::CreateServiceRequest request;
  *request.mutable_service() = service;
  cv1::CreateServiceResponse response;
  grpc::Status s = client.stub().CreateService(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("CreateService", s);
  if (client.json()) {
    client.PrintJson(response);
  } else {
    client.out() << "service " << response.service().id() << " created (model generation "
                 << response.model_generation() << ")\n";
  }
  return kExitOk;
}

int ListServices(Client& client) {
  if (!client.Connect()) return kExitUnreachable;
  cv1::ListServicesResponse response;
  grpc::Status s =
      client.stub().ListServices(client.Call().get(), cv1::ListServicesRequest(), &response);
  if (!s.ok()) return client.Failed("ListServices", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  cv1::ListSitesResponse sites;
  s = client.stub().ListSites(client.Call().get(), cv1::ListSitesRequest(), &sites);
  if (!s.ok()) return client.Failed("ListSites", s);
  std::map<std::string, int> hosted;
  for (const compute::Site& site : sites.sites()) {
    for (const compute::SiteServiceCapacity& c : site.capacities()) ++hosted[c.service_id()];
  }
  Table t({"id", "prefix", "bound_ms", "service_ms", "req_bytes", "resp_bytes", "sites"});
  for (const compute::Service& svc : response.services()) {
    t.Add({svc.id(), svc.anycast_prefix(),
           svc.latency_bound_ms() > 0 ? Num(svc.latency_bound_ms(), 1) : "-",
           Num(svc.mean_service_time_ms(), 1), absl::StrCat(svc.mean_request_bytes()),
           absl::StrCat(svc.mean_response_bytes()), absl::StrCat(hosted[svc.id()])});
  }
  client.out() << t.Render();
  return kExitOk;
}

template <typename Request, typename Response, typename Method>
int Delete(Client& client, const std::string& kind, const std::string& id, const char* rpc,
           Method method) {
  if (!client.Connect()) return kExitUnreachable;
  Request request;
  request.set_id(id);
  Response response;
  grpc::Status s = (client.stub().*method)(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed(rpc, s);
  if (client.json()) {
    client.PrintJson(response);
  } else {
    client.out() << kind << " " << id << " deleted (model generation "
                 << response.model_generation() << ")\n";
  }
  return kExitOk;
}

}  // namespace

int RunSite(Client& client, const Words& words) {
  if (words.empty()) return client.Usage("site", "expected a command", kSiteUsage);
  const std::string& cmd = words[0];
  Words rest(words.begin() + 1, words.end());
  if (cmd == "add") return AddSite(client, rest);
  if (cmd == "list") {
    if (!rest.empty()) return client.Usage("site list", "takes no arguments", kSiteUsage);
    return ListSites(client);
  }
  if (cmd == "delete" || cmd == "drain" || cmd == "undrain") {
    if (rest.size() != 1) return client.Usage("site " + cmd, "expected one site ID", kSiteUsage);
    if (cmd == "delete") {
      return Delete<cv1::DeleteSiteRequest, cv1::DeleteSiteResponse>(
          client, "site", rest[0], "DeleteSite", &cv1::ControllerService::Stub::DeleteSite);
    }
    return SetSiteAdmin(client, rest[0], cmd == "undrain");
  }
  return client.Usage("site", "unknown command " + cmd, kSiteUsage);
}

int RunService(Client& client, const Words& words) {
  if (words.empty()) return client.Usage("service", "expected a command", kServiceUsage);
  const std::string& cmd = words[0];
  Words rest(words.begin() + 1, words.end());
  if (cmd == "add") return AddService(client, rest);
  if (cmd == "list") {
    if (!rest.empty()) return client.Usage("service list", "takes no arguments", kServiceUsage);
    return ListServices(client);
  }
  if (cmd == "delete") {
    if (rest.size() != 1)
      return client.Usage("service delete", "expected one service ID", kServiceUsage);
    return Delete<cv1::DeleteServiceRequest, cv1::DeleteServiceResponse>(
        client, "service", rest[0], "DeleteService", &cv1::ControllerService::Stub::DeleteService);
  }
  return client.Usage("service", "unknown command " + cmd, kServiceUsage);
}

}  // namespace cpn::cpnctl
