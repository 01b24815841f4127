// cpnctl demand set|list|delete.
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"

namespace cpn::cpnctl {

namespace cv1 = cpn::controller::v1;

namespace {

constexpr char kUsage[] =
    "demand set INGRESS SERVICE RPS [--bytes-per-request N]\n"
    "       cpnctl demand list [--ingress ROUTER] [--service SERVICE]\n"
    "       cpnctl demand delete INGRESS SERVICE";

int Set(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"bytes-per-request"}});
  if (!args.ok()) return client.Usage("demand set", std::string(args.status().message()), kUsage);
  if (args->positional.size() != 3) {
    return client.Usage("demand set", "expected INGRESS SERVICE RPS", kUsage);
  }
  absl::StatusOr<double> rps = ParseDouble(args->positional[2], "RPS");
  if (!rps.ok()) return client.Usage("demand set", std::string(rps.status().message()), kUsage);
  absl::StatusOr<std::optional<double>> bytes = args->GetDouble("bytes-per-request");
  if (!bytes.ok()) return client.Usage("demand set", std::string(bytes.status().message()), kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::SetDemandRequest request;
  cv1::Demand* d = request.mutable_demand();
  d->set_ingress_router_id(args->positional[0]);
  d->set_service_id(args->positional[1]);
  d->set_requests_per_second(*rps);
  if (*bytes) d->set_bytes_per_request(**bytes);
  cv1::SetDemandResponse response;
  grpc::Status s = client.stub().SetDemand(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("SetDemand", s);
  if (client.json()) {
    client.PrintJson(response);
  } else {
    client.out() << "demand " << d->service_id() << "@" << d->ingress_router_id() << " set to "
                 << response.demand().requests_per_second() << " requests/s\n";
  }
  return kExitOk;
}

int List(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"ingress", true, true}, {"service", true, true}});
  if (!args.ok()) return client.Usage("demand list", std::string(args.status().message()), kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::ListDemandsRequest request;
  for (const std::string& r : args->GetAll("ingress")) request.add_ingress_router_ids(r);
  for (const std::string& s : args->GetAll("service")) request.add_service_ids(s);
  cv1::ListDemandsResponse response;
  grpc::Status s = client.stub().ListDemands(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("ListDemands", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  Table t({"ingress", "service", "rps", "source", "measured_rps", "bytes_per_request", "updated"});
  for (const cv1::Demand& d : response.demands()) {
    t.Add({d.ingress_router_id(), d.service_id(), Num(d.requests_per_second(), 1),
           EnumWord(cv1::DemandSource_Name(d.source()), "DEMAND_SOURCE_"),
           Num(d.measured_requests_per_second(), 1),
           d.bytes_per_request() > 0 ? Num(d.bytes_per_request(), 0) : "service",
           Time(d.updated_at())});
  }
  client.out() << t.Render();
  return kExitOk;
}

int Delete(Client& client, const Words& words) {
  if (words.size() != 2) return client.Usage("demand delete", "expected INGRESS SERVICE", kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::DeleteDemandRequest request;
  request.mutable_key()->set_ingress_router_id(words[0]);
  request.mutable_key()->set_service_id(words[1]);
  cv1::DeleteDemandResponse response;
  grpc::Status s = client.stub().DeleteDemand(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("DeleteDemand", s);
  if (client.json()) {
    client.PrintJson(response);
  } else {
    client.out() << "configured demand " << words[1] << "@" << words[0]
                 << " deleted; in effect now: " << response.demand().requests_per_second()
                 << " requests/s (measured)\n";
  }
  return kExitOk;
}

}  // namespace

int RunDemand(Client& client, const Words& words) {
  if (words.empty()) return client.Usage("demand", "expected set, list or delete", kUsage);
  Words rest(words.begin() + 1, words.end());
  if (words[0] == "set") return Set(client, rest);
  if (words[0] == "list") return List(client, rest);
  if (words[0] == "delete") return Delete(client, rest);
  return client.Usage("demand", "unknown command " + words[0], kUsage);
}

}  // namespace cpn::cpnctl
