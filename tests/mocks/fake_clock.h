// FakeClock: a test clock that moves only when told to.
//
// Threads: any method from any thread.
#ifndef CPN_TESTS_MOCKS_FAKE_CLOCK_H_
#define CPN_TESTS_MOCKS_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/api/clock.h"

namespace cpn::testing {

class FakeClock final : public cpn::api::Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000)) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

}  // namespace cpn::testing

#endif  // CPN_TESTS_MOCKS_FAKE_CLOCK_H_
