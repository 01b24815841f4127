// StatusService: GetStatus and SolveNow of ControllerService — the
// controller's identity, epoch, last solver run, model size, and the
// southbound session to every dataplane.
//
// Threads: any method from any RPC thread.
#ifndef CPN_CONTROLLER_API_STATUS_SERVICE_H_
#define CPN_CONTROLLER_API_STATUS_SERVICE_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controller/api/decision_loop.h"
#include "controller/api/demand_store.h"
#include "controller/api/model_store.h"
#include "cpn/controller/v1/status.pb.h"

namespace cpn::api {

// Where GetStatus reads the southbound sessions from (the southbound client
// implements it). Threads: Sessions() may be called from any thread.
class DataplaneSessionSource {
 public:
  virtual ~DataplaneSessionSource() = default;
  // One session per router with a dataplane address, ordered by router id.
  virtual std::vector<cpn::controller::v1::DataplaneSession> Sessions() const = 0;
};

struct ControllerIdentity {
  std::string controller_id;
  std::string software_version;
  absl::Time started_at;
};

class StatusService {
 public:
  // Every pointer must outlive the service; `sessions` may be null (no
  // southbound client: every router with a dataplane address is reported
  // DISCONNECTED, saying so).
  StatusService(ControllerIdentity identity, const ModelStore* model, const DemandStore* demands,
                DecisionLoop* loop, const DataplaneSessionSource* sessions)
      : identity_(std::move(identity)),
        model_(model),
        demands_(demands),
        loop_(loop),
        sessions_(sessions) {}

  // Attaches the southbound client once it exists (it needs the model and
  // loop this service is built beside); null detaches. Any thread.
  void SetSessionSource(const DataplaneSessionSource* sessions) { sessions_.store(sessions); }

  absl::Status GetStatus(const cpn::controller::v1::GetStatusRequest& request,
                         cpn::controller::v1::GetStatusResponse* response);
  // Waits (up to `timeout`) for a solve started after the call.
  absl::Status SolveNow(const cpn::controller::v1::SolveNowRequest& request,
                        cpn::controller::v1::SolveNowResponse* response,
                        absl::Duration timeout = absl::Seconds(60));

 private:
  const ControllerIdentity identity_;
  const ModelStore* model_;
  const DemandStore* demands_;
  DecisionLoop* loop_;
  std::atomic<const DataplaneSessionSource*> sessions_;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_STATUS_SERVICE_H_
