// EventQueue: the discrete-event simulator's agenda. Events are ordered by
// time, then by insertion order, so that two runs with the same inputs
// process events in exactly the same order (determinism for a seed).
//
// Value type; single-threaded (one simulation owns one queue).
#ifndef CPN_LAB_SIM_EVENT_QUEUE_H_
#define CPN_LAB_SIM_EVENT_QUEUE_H_

#include <cstdint>
#include <queue>
#include <vector>

namespace cpn::lab::sim {

enum class EventKind : uint8_t {
  kArrival,            // a request enters the network at an ingress
  kFlashArrival,       // an extra request of a flash crowd
  kBackgroundArrival,  // a background job arrives at a site (a = site)
  kAtSite,             // a request reaches its site (b = request)
  kServiceDone,        // a server finishes (a = site, b = job, c = site generation)
  kDone,               // a response reaches the ingress (b = request)
  kRetry,              // a failed request is sent again (b = request)
  kReport,             // site agents measure and send their metrics
  kReportArrive,       // a report reaches the controller (b = report index)
  kEpoch,              // the policy decides
  kSample,             // metrics sampling
  kTopologyChange,     // a failure or recovery happens (b = change index)
  kTopologyDetect,     // the controller learns of it (b = change index)
};

struct Event {
  double time = 0;  // seconds since the start of the run
  uint64_t seq = 0;
  EventKind kind = EventKind::kArrival;
  uint32_t a = 0;
  uint32_t c = 0;
  uint64_t b = 0;
};

class EventQueue {
 public:
  void Push(double time, EventKind kind, uint32_t a = 0, uint64_t b = 0, uint32_t c = 0) {
    heap_.push(Event{time, next_seq_++, kind, a, c, b});
  }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // The earliest event; the queue must not be empty.
  Event Pop() {
    Event e = heap_.top();
    heap_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.time != y.time ? x.time > y.time : x.seq > y.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_EVENT_QUEUE_H_
