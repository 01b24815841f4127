// Clock: the controller's source of wall-clock time, injected so that tests
// can control it (metric ageing, timestamp checks, decision times).
//
// Threads: Now() may be called from any thread at any time.
#ifndef CPN_CONTROLLER_API_CLOCK_H_
#define CPN_CONTROLLER_API_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cpn::api {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system's real-time clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_CLOCK_H_
