// cpnctl topology import|show, router list, link list|up|down.
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"
#include "controller/model/network_model.h"
#include "controller/model/summary.h"
#include "controller/topology/text_format.h"
#include "controller/topology/topology_file.h"
#include "google/protobuf/field_mask.pb.h"

namespace cpn::cpnctl {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::topology::v1;

namespace {

constexpr char kImportUsage[] =
    "topology import FILE [--overlay FILE] [--sites-csv FILE] [--default-service] [--replace] "
    "[--validate-only]";
constexpr char kShowUsage[] = "topology show [--txtpb]";

void AddCounts(Table& t, const std::string& kind, const cv1::KindChangeCounts& c) {
  t.Add({kind, absl::StrCat(c.created()), absl::StrCat(c.updated()), absl::StrCat(c.deleted()),
         absl::StrCat(c.unchanged())});
}

int Import(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"overlay"},
                                                {"sites-csv"},
                                                {"default-service", false},
                                                {"replace", false},
                                                {"validate-only", false}});
  if (!args.ok())
    return client.Usage("topology import", std::string(args.status().message()), kImportUsage);
  if (args->positional.size() != 1) {
    return client.Usage("topology import", "expected one FILE", kImportUsage);
  }
  const std::string& path = args->positional[0];
  cpn::topology::LoadOptions load;
  load.overlay_path = args->Get("overlay").value_or("");
  load.sites_csv_path = args->Get("sites-csv").value_or("");
  load.add_default_service = args->Has("default-service");
  absl::StatusOr<tv1::Topology> topology = cpn::topology::LoadTopologyFile(path, load);
  if (!topology.ok()) {
    client.err() << "cpnctl topology import: " << topology.status().message() << "\n";
    return kExitUsage;
  }
  if (!client.Connect()) return kExitUnreachable;
  cv1::ImportTopologyRequest request;
  *request.mutable_topology() = *std::move(topology);
  request.set_mode(args->Has("replace") ? cv1::IMPORT_MODE_REPLACE : cv1::IMPORT_MODE_MERGE);
  request.set_validate_only(args->Has("validate-only"));
  cv1::ImportTopologyResponse response;
  grpc::Status s = client.stub().ImportTopology(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("ImportTopology", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  client.out() << (request.validate_only() ? "Validated " : "Imported ") << path << " ("
               << (args->Has("replace") ? "replace" : "merge") << "): model generation "
               << response.model_generation() << "\n";
  Table t({"kind", "created", "updated", "deleted", "unchanged"});
  const cv1::ImportSummary& sum = response.summary();
  AddCounts(t, "routers", sum.routers());
  AddCounts(t, "links", sum.links());
  AddCounts(t, "optical nodes", sum.optical_nodes());
  AddCounts(t, "fibres", sum.fibers());
  AddCounts(t, "lightpaths", sum.lightpaths());
  AddCounts(t, "sites", sum.sites());
  AddCounts(t, "services", sum.services());
  client.out() << t.Render();
  for (const std::string& w : response.warnings()) client.out() << "warning: " << w << "\n";
  return kExitOk;
}

int Show(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"txtpb", false}});
  if (!args.ok())
    return client.Usage("topology show", std::string(args.status().message()), kShowUsage);
  if (!args->positional.empty()) {
    return client.Usage("topology show", "unexpected argument " + args->positional[0], kShowUsage);
  }
  if (!client.Connect()) return kExitUnreachable;
  cv1::GetTopologyResponse response;
  grpc::Status s =
      client.stub().GetTopology(client.Call().get(), cv1::GetTopologyRequest(), &response);
  if (!s.ok()) return client.Failed("GetTopology", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  if (args->Has("txtpb")) {
    client.out() << cpn::topology::FormatTopologyText(
        response.topology(), absl::StrCat("Exported from cpn-controller, model generation ",
                                          response.model_generation()));
    return kExitOk;
  }
  client.out() << "Model generation      " << response.model_generation() << "\n";
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> m =
      model::NetworkModel::Build(response.topology());
  if (!m.ok()) {
    client.err() << "cpnctl: the controller's topology does not validate here: "
                 << m.status().message() << "\n";
    return kExitRejected;
  }
  client.out() << model::FormatSummary(model::Summarize(**m));
  return kExitOk;
}

}  // namespace

int RunTopology(Client& client, const Words& words) {
  if (words.empty()) return client.Usage("topology", "expected import or show", kImportUsage);
  Words rest(words.begin() + 1, words.end());
  if (words[0] == "import") return Import(client, rest);
  if (words[0] == "show") return Show(client, rest);
  return client.Usage("topology", "unknown command " + words[0],
                      absl::StrCat(kImportUsage, "\n       cpnctl ", kShowUsage));
}

int RunRouter(Client& client, const Words& words) {
  constexpr char kUsage[] = "router list";
  if (words.size() != 1 || words[0] != "list")
    return client.Usage("router", "expected list", kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::ListRoutersResponse response;
  grpc::Status s =
      client.stub().ListRouters(client.Call().get(), cv1::ListRoutersRequest(), &response);
  if (!s.ok()) return client.Failed("ListRouters", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  Table t({"id", "name", "roles", "locator", "admin", "dataplane"});
  for (const tv1::Router& r : response.routers()) {
    std::vector<std::string> roles;
    for (int role : r.roles()) {
      roles.push_back(
          EnumWord(tv1::RouterRole_Name(static_cast<tv1::RouterRole>(role)), "ROUTER_ROLE_"));
    }
    t.Add({r.id(), r.name(), absl::StrJoin(roles, ","), r.srv6_locator(),
           r.admin_state() == cpn::common::v1::ADMIN_STATE_DOWN ? "down" : "up",
           r.dataplane_address().empty() ? "-" : r.dataplane_address()});
  }
  client.out() << t.Render();
  return kExitOk;
}

int RunLink(Client& client, const Words& words) {
  constexpr char kUsage[] = "link list | link up ID | link down ID";
  if (words.empty()) return client.Usage("link", "expected list, up or down", kUsage);
  if (words[0] == "up" || words[0] == "down") {
    if (words.size() != 2) return client.Usage("link", "expected one link ID", kUsage);
    if (!client.Connect()) return kExitUnreachable;
    cv1::UpdateLinkRequest request;
    request.mutable_link()->set_id(words[1]);
    request.mutable_link()->set_admin_state(words[0] == "up" ? cpn::common::v1::ADMIN_STATE_UP
                                                             : cpn::common::v1::ADMIN_STATE_DOWN);
    request.mutable_update_mask()->add_paths("admin_state");
    cv1::UpdateLinkResponse response;
    grpc::Status s = client.stub().UpdateLink(client.Call().get(), request, &response);
    if (!s.ok()) return client.Failed("UpdateLink", s);
    if (client.json()) {
      client.PrintJson(response);
    } else {
      client.out() << "link " << words[1] << " is administratively " << words[0]
                   << " (model generation " << response.model_generation() << ")\n";
    }
    return kExitOk;
  }
  if (words[0] != "list" || words.size() != 1)
    return client.Usage("link", "unknown command", kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::ListLinksResponse response;
  grpc::Status s = client.stub().ListLinks(client.Call().get(), cv1::ListLinksRequest(), &response);
  if (!s.ok()) return client.Failed("ListLinks", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  Table t({"id", "a", "b", "delay_ms", "capacity_gbps", "igp", "admin"});
  for (const tv1::Link& l : response.links()) {
    t.Add({l.id(), l.a().router_id(), l.b().router_id(),
           Num(static_cast<double>(l.propagation_delay_us()) / 1000.0, 3),
           Num(static_cast<double>(l.capacity_bps()) / 1e9, 1),
           l.igp_metric() == 0 ? "auto" : absl::StrCat(l.igp_metric()),
           l.admin_state() == cpn::common::v1::ADMIN_STATE_DOWN ? "down" : "up"});
  }
  client.out() << t.Render();
  return kExitOk;
}

}  // namespace cpn::cpnctl
