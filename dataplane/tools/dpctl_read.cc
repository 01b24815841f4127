// cpn-dpctl read and counters.
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/output.h"
#include "dataplane/tools/dpctl.h"
#include "google/protobuf/text_format.h"

namespace cpn::dpctl {
namespace {

namespace v1 = ::cpn::dataplane::v1;
namespace tv1 = ::cpn::telemetry::v1;
using cpnctl::Table;

// Splits repeated, comma-separated flag values and maps each word through
// `known`; returns the unknown word (or "") .
template <typename Enum>
std::string Words2Enums(const std::vector<std::string>& values,
                        const std::map<std::string, Enum>& known, std::vector<Enum>* out) {
  for (const std::string& v : values) {
    for (absl::string_view w : absl::StrSplit(v, ',', absl::SkipEmpty())) {
      const auto it = known.find(std::string(w));
      if (it == known.end()) return std::string(w);
      out->push_back(it->second);
    }
  }
  return "";
}

const std::map<std::string, v1::EntityType>& EntityWords() {
  static const auto* words = new std::map<std::string, v1::EntityType>{
      {"port", v1::ENTITY_TYPE_PORT},          {"neighbor", v1::ENTITY_TYPE_NEIGHBOR},
      {"route", v1::ENTITY_TYPE_ROUTE},        {"local-sid", v1::ENTITY_TYPE_LOCAL_SID},
      {"policy", v1::ENTITY_TYPE_SRV6_POLICY}, {"rule", v1::ENTITY_TYPE_STEERING_RULE}};
  return *words;
}

const std::map<std::string, tv1::CounterGroup>& GroupWords() {
  static const auto* words = new std::map<std::string, tv1::CounterGroup>{
      {"ports", tv1::COUNTER_GROUP_PORTS},         {"drops", tv1::COUNTER_GROUP_DROPS},
      {"rules", tv1::COUNTER_GROUP_STEERING_RULES}, {"policies", tv1::COUNTER_GROUP_POLICIES},
      {"sids", tv1::COUNTER_GROUP_LOCAL_SIDS},     {"affinity", tv1::COUNTER_GROUP_AFFINITY},
      {"workers", tv1::COUNTER_GROUP_WORKERS}};
  return *words;
}

std::string N(uint64_t v) { return absl::StrCat(v); }
std::string Word(const std::string& name, const std::string& prefix) {
  return cpnctl::EnumWord(name, prefix);
}

double Seconds(const google::protobuf::Timestamp& t) { return t.seconds() + t.nanos() * 1e-9; }

void PrintSnapshot(Dpctl& dp, const tv1::CountersSnapshot& s) {
  std::ostream& out = dp.out();
  out << "dataplane " << s.dataplane_id() << "  boot " << s.boot_id() << "  version "
      << s.installed_version() << "  at " << cpnctl::Time(s.sampled_at()) << "\n";
  if (s.ports_size() != 0) {
    Table t({"PORT", "NAME", "STATE", "RX_PKTS", "RX_BYTES", "TX_PKTS", "TX_BYTES", "RX_MISSED",
             "RX_ERRORS", "TX_DROPPED"});
    for (const auto& p : s.ports()) {
      t.Add({N(p.port_id()), p.name(), Word(tv1::OperState_Name(p.oper_state()), "OPER_STATE_"),
             N(p.rx_packets()), N(p.rx_bytes()), N(p.tx_packets()), N(p.tx_bytes()),
             N(p.rx_missed()), N(p.rx_errors()), N(p.tx_dropped())});
    }
    out << "\n" << t.Render();
  }
  Table drops({"DROP", "REASON", "PACKETS"});
  for (const auto& d : s.drop_details()) {
    if (d.packets() == 0) continue;
    drops.Add({d.name(), Word(tv1::DropReason_Name(d.reason()), "DROP_REASON_"), N(d.packets())});
  }
  if (!drops.empty()) out << "\n" << drops.Render();
  if (s.steering_rules_size() != 0) {
    Table t({"RULE", "PACKETS", "BYTES", "NEW_FLOWS", "REPICKED", "REROUTED", "NOT_STEERED"});
    for (const auto& r : s.steering_rules()) {
      t.Add({N(r.rule_id()), N(r.packets()), N(r.bytes()), N(r.new_flows()),
             N(r.repicked_flows()), N(r.rerouted_flows()), N(r.not_steered_packets())});
    }
    out << "\n" << t.Render();
  }
  if (s.policies_size() != 0) {
    Table t({"POLICY", "PACKETS", "BYTES", "NEW_FLOWS"});
    for (const auto& p : s.policies()) {
      t.Add({N(p.policy_id()), N(p.packets()), N(p.bytes()), N(p.new_flows())});
    }
    out << "\n" << t.Render();
  }
  if (s.local_sids_size() != 0) {
    Table t({"SID", "PACKETS", "BYTES"});
    for (const auto& l : s.local_sids()) t.Add({l.sid(), N(l.packets()), N(l.bytes())});
    out << "\n" << t.Render();
  }
  if (s.has_affinity()) {
    const auto& a = s.affinity();
    Table t({"AFFINITY", "ENTRIES", "CAPACITY", "INSERTIONS", "EXPIRATIONS", "EVICTIONS",
             "INSERT_FAILURES", "REPINS"});
    t.Add({"all", N(a.entries()), N(a.capacity()), N(a.insertions()), N(a.expirations()),
           N(a.evictions()), N(a.insert_failures()), N(a.repins())});
    out << "\n" << t.Render();
  }
  if (s.workers_size() != 0) {
    Table t({"WORKER", "LCORE", "BUSY", "PACKETS", "EMPTY_POLLS", "CACHE_HITS", "CACHE_MISSES",
             "ROUTE_CACHE_HITS", "ROUTE_CACHE_MISSES"});
    for (const auto& w : s.workers()) {
      t.Add({N(w.worker_id()), N(w.lcore_id()), cpnctl::Num(w.busy_ratio()), N(w.packets()),
             N(w.empty_polls()), N(w.flow_cache_hits()), N(w.flow_cache_misses()),
             N(w.route_cache_hits()), N(w.route_cache_misses())});
    }
    out << "\n" << t.Render();
  }
}

// Rates between two snapshots, per second.
void PrintRates(Dpctl& dp, const tv1::CountersSnapshot& a, const tv1::CountersSnapshot& b) {
  const double dt = Seconds(b.sampled_at()) - Seconds(a.sampled_at());
  auto rate = [dt](uint64_t from, uint64_t to) { return dt > 0 ? (to - from) / dt : 0.0; };
  std::map<uint32_t, const tv1::PortCounters*> before;
  for (const auto& p : a.ports()) before[p.port_id()] = &p;
  std::map<std::string, uint64_t> drops_before;
  for (const auto& d : a.drop_details()) drops_before[d.name()] = d.packets();
  if (dp.options().json) {
    std::ostringstream j;
    j << "{\"interval_s\":" << dt << ",\"ports\":[";
    bool first = true;
    for (const auto& p : b.ports()) {
      const auto it = before.find(p.port_id());
      if (it == before.end()) continue;
      j << (first ? "" : ",") << "{\"port_id\":" << p.port_id() << ",\"name\":\"" << p.name()
        << "\",\"rx_pps\":" << rate(it->second->rx_packets(), p.rx_packets())
        << ",\"tx_pps\":" << rate(it->second->tx_packets(), p.tx_packets())
        << ",\"tx_dropped_pps\":" << rate(it->second->tx_dropped(), p.tx_dropped()) << "}";
      first = false;
    }
    j << "],\"drops_pps\":{";
    first = true;
    for (const auto& d : b.drop_details()) {
      const double r = rate(drops_before[d.name()], d.packets());
      if (r == 0) continue;
      j << (first ? "" : ",") << "\"" << d.name() << "\":" << r;
      first = false;
    }
    j << "},\"workers_busy\":[";
    for (int i = 0; i < b.workers_size(); ++i) {
      j << (i == 0 ? "" : ",") << b.workers(i).busy_ratio();
    }
    j << "]}\n";
    dp.out() << j.str();
    return;
  }
  dp.out() << "rates over " << cpnctl::Num(dt, 3) << " s\n";
  Table t({"PORT", "NAME", "RX_PPS", "TX_PPS", "TX_DROPPED_PPS"});
  for (const auto& p : b.ports()) {
    const auto it = before.find(p.port_id());
    if (it == before.end()) continue;
    t.Add({N(p.port_id()), p.name(), cpnctl::Num(rate(it->second->rx_packets(), p.rx_packets()), 0),
           cpnctl::Num(rate(it->second->tx_packets(), p.tx_packets()), 0),
           cpnctl::Num(rate(it->second->tx_dropped(), p.tx_dropped()), 0)});
  }
  dp.out() << "\n" << t.Render();
  Table d({"DROP", "PPS"});
  for (const auto& x : b.drop_details()) {
    const double r = rate(drops_before[x.name()], x.packets());
    if (r != 0) d.Add({x.name(), cpnctl::Num(r, 0)});
  }
  if (!d.empty()) dp.out() << "\n" << d.Render();
  Table w({"WORKER", "BUSY"});
  for (const auto& x : b.workers()) w.Add({N(x.worker_id()), cpnctl::Num(x.busy_ratio())});
  if (!w.empty()) dp.out() << "\n" << w.Render();
}

}  // namespace

int ReadCommand(Dpctl& dp, const Words& words) {
  absl::StatusOr<cpnctl::Args> args = cpnctl::ParseArgs(words, {{"type", true, true}});
  if (!args.ok()) return dp.Usage("read", std::string(args.status().message()));
  if (!args->positional.empty()) return dp.Usage("read", "takes no positional arguments");
  v1::ReadRequest request;
  std::vector<v1::EntityType> kinds;
  if (std::string bad = Words2Enums(args->GetAll("type"), EntityWords(), &kinds); !bad.empty()) {
    return dp.Usage("read", absl::StrCat("--type: unknown kind \"", bad,
                                         "\" (port neighbor route local-sid policy rule)"));
  }
  for (v1::EntityType k : kinds) request.add_entity_types(k);
  if (!dp.Connect()) return kExitUnreachable;
  auto ctx = dp.Call();
  auto reader = dp.stub().Read(ctx.get(), request);
  v1::ReadResponse all, chunk;
  while (reader->Read(&chunk)) {
    all.set_installed_version(chunk.installed_version());
    for (auto& e : *chunk.mutable_entities()) *all.add_entities() = std::move(e);
  }
  if (const grpc::Status s = reader->Finish(); !s.ok()) return dp.Failed("Read", s);
  if (dp.options().json) {
    dp.PrintJson(all);
    return kExitOk;
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(all, &text);
  dp.out() << text;
  return kExitOk;
}

int CountersCommand(Dpctl& dp, const Words& words) {
  absl::StatusOr<cpnctl::Args> args =
      cpnctl::ParseArgs(words, {{"group", true, true}, {"rate"}});
  if (!args.ok()) return dp.Usage("counters", std::string(args.status().message()));
  if (!args->positional.empty()) return dp.Usage("counters", "takes no positional arguments");
  v1::CountersRequest request;
  std::vector<tv1::CounterGroup> groups;
  if (std::string bad = Words2Enums(args->GetAll("group"), GroupWords(), &groups); !bad.empty()) {
    return dp.Usage("counters",
                    absl::StrCat("--group: unknown group \"", bad,
                                 "\" (ports drops rules policies sids affinity workers)"));
  }
  for (tv1::CounterGroup g : groups) request.add_groups(g);
  absl::Duration over = absl::ZeroDuration();
  if (std::optional<std::string> r = args->Get("rate"); r.has_value()) {
    absl::StatusOr<absl::Duration> d = cpnctl::ParseDurationArg(*r, "--rate");
    if (!d.ok()) return dp.Usage("counters", std::string(d.status().message()));
    if (*d < absl::Milliseconds(100)) return dp.Usage("counters", "--rate: at least 100ms");
    over = *d;
    request.mutable_interval()->set_seconds(absl::ToInt64Seconds(over));
    request.mutable_interval()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(over % absl::Seconds(1))));
  }
  if (!dp.Connect()) return kExitUnreachable;
  auto ctx = dp.Call();
  if (over > absl::ZeroDuration()) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + dp.options().timeout + 2 * over));
  }
  auto reader = dp.stub().StreamCounters(ctx.get(), request);
  tv1::CountersSnapshot first, second;
  const bool got = reader->Read(&first) && (over == absl::ZeroDuration() || reader->Read(&second));
  ctx->TryCancel();
  const grpc::Status s = reader->Finish();
  if (!got) return dp.Failed("StreamCounters", s);
  if (over > absl::ZeroDuration()) {
    PrintRates(dp, first, second);
  } else if (dp.options().json) {
    dp.PrintJson(first);
  } else {
    PrintSnapshot(dp, first);
  }
  return kExitOk;
}

}  // namespace cpn::dpctl
