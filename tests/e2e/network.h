// A small CPN network of real processes for end-to-end tests:
//
//   gen ==memif== ing ==memif== tr ==memif== st --pcap--> site s1
//                  |                          |  --pcap--> site s2
//                  +==========memif===========+
//                   backup: IGP metric 30, 5 ms
//
// ing (ingress), tr (transit) and st (gateway of sites s1 and s2) are
// cpn-dataplane processes programmed by cpn-controller processes from a
// topology file written per test. gen is one more cpn-dataplane, outside
// the model and programmed by the test: it injects pcap files (a net_pcap
// port the test inserts per batch) into ing's access port. Every site port
// is a net_pcap port writing what it sends to a file the test reads.
//
// Every process gets its own DPDK file prefix, memif sockets live in a
// per-test directory, and every child is killed when the Network dies.
// Test threads only.
#ifndef CPN_TESTS_E2E_NETWORK_H_
#define CPN_TESTS_E2E_NETWORK_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cpn/controller/v1/controller.grpc.pb.h"
#include "cpn/dataplane/v1/dataplane.grpc.pb.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"
#include "tests/e2e/child_process.h"

namespace cpn::testing {

inline constexpr char kService[] = "svc";
inline constexpr char kServicePrefix[] = "2001:db8:cafe:1::/64";

// A flow to the service, and its frame as gen's pcap holds it.
Flow ServiceFlow(int n);

// What a site port sent, per flow (source address and port).
struct SiteCapture {
  std::map<std::string, std::string> site_of_flow;  // "src/sport" -> site
  std::vector<Bytes> frames_s1, frames_s2;
};

class Network {
 public:
  Network();
  ~Network();

  // Starts ing, tr, st and gen (in memif server-before-client order) and
  // writes the topology with their addresses.
  void StartDataplanes();
  // Starts a controller with `election_id` (no damping, then `extra`
  // flags); returns its index.
  int StartController(uint64_t election_id, int epoch_ms = 20,
                      const std::vector<std::string>& extra = {});
  void KillController(int index);
  // SIGKILLs a dataplane and starts it again on the same address.
  void RestartDataplane(const std::string& router);
  // True once Read shows every memif port of `router` up.
  bool WaitPortsUp(const std::string& router, std::chrono::milliseconds timeout);

  cpn::controller::v1::ControllerService::Stub& controller(int index);
  cpn::dataplane::v1::DataplaneService::Stub& dataplane(const std::string& router);

  // Cuts `link` ("ing-tr", "tr-st" or "ing-st") as a fibre cut would: both
  // ends lose every frame (SetPortEmulation, loss 1; the dataplanes run
  // with --lab-emulation), then `controller` hears of it (UpdateLink
  // admin_state DOWN, as an optical alarm would tell it).
  void CutLink(int controller, const std::string& link);

  // Configures the demand at ing (rate in requests per second).
  void SetDemand(int controller, double rps);
  // Reports both sites' busy servers (of 8).
  void ReportLoad(int controller, double busy_s1, double busy_s2);
  // Installed version and entities of a router's dataplane.
  uint64_t Read(const std::string& router, std::vector<cpn::dataplane::v1::Entity>* out = nullptr);
  // The weight of each policy in ing's rule for the service, by the site
  // its last segment decapsulates to ("s1", "s2").
  std::map<std::string, uint32_t> IngressWeights();
  // Waits until every session of `controller` is `state` and in sync.
  bool WaitForSessions(int controller, cpn::controller::v1::SessionState state,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Injects frames of `flows` (one packet each) through gen and waits until
  // the sites have sent them all; returns the site of each flow.
  SiteCapture Inject(const std::vector<Flow>& flows);
  // Counters of a router's dataplane.
  cpn::telemetry::v1::CountersSnapshot Counters(const std::string& router);

  const std::string& dir() const { return dir_; }
  ChildProcess& process(const std::string& router) { return *dataplanes_.at(router).process; }
  ChildProcess& controller_process(int index) { return *controllers_.at(index).process; }
  // The port of a router's dataplane /metrics on 127.0.0.1 (every dataplane
  // serves one).
  int metrics_port(const std::string& router) const { return dataplanes_.at(router).metrics_port; }

 private:
  struct Dataplane {
    std::vector<std::string> port_args;
    int grpc_port = 0;
    int metrics_port = 0;
    int starts = 0;
    std::unique_ptr<ChildProcess> process;
    std::unique_ptr<cpn::dataplane::v1::DataplaneService::Stub> stub;
  };
  struct Controller {
    std::unique_ptr<ChildProcess> process;
    std::unique_ptr<cpn::controller::v1::ControllerService::Stub> stub;
  };
  void StartDataplane(const std::string& router);
  std::vector<std::string> PortArgs(const std::string& router, int start) const;
  void WriteTopology();
  void ProgramGen();
  std::vector<Bytes> SiteFrames(int site) const;

  std::string dir_;
  std::string topology_path_;
  std::map<std::string, Dataplane> dataplanes_;
  std::vector<std::string> prefixes_;  // DPDK file prefixes used
  std::vector<Controller> controllers_;
  uint64_t gen_version_ = 0;
  int gen_ports_ = 1;
  // gen's arbitration stream (the test is gen's controller).
  std::unique_ptr<ControllerStream> gen_stream_;
  uint64_t metrics_sequence_ = 0;
};

}  // namespace cpn::testing

#endif  // CPN_TESTS_E2E_NETWORK_H_
