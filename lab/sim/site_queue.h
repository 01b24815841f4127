// SiteQueue: one compute site as the simulator sees it: c identical servers
// and one FIFO queue (the M/M/c shape the decision models, but with whatever
// arrival process and service-time distribution the simulation feeds it).
// Jobs are CPN requests or background work; the queue only keeps their ids.
//
// Value type; single-threaded.
#ifndef CPN_LAB_SIM_SITE_QUEUE_H_
#define CPN_LAB_SIM_SITE_QUEUE_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace cpn::lab::sim {

struct Job {
  uint64_t id = 0;
  double service_s = 0;
  bool background = false;
};

class SiteQueue {
 public:
  explicit SiteQueue(uint32_t servers) : servers_(servers) {}

  // A job arrives at `now`. Returns true when it starts service at once (the
  // caller schedules its completion after job.service_s); false when it
  // waits. Jobs arriving while the site is down are refused (returns false
  // and counts nothing): check up() first.
  bool Arrive(const Job& job, double now);
  // Job `id` finishes at `now`; returns the next waiting job, which starts
  // service now on the freed server, if any.
  std::optional<Job> Depart(uint64_t id, double now);
  // The site fails at `now`: every job (in service or waiting) is dropped
  // and the CPN requests among them are returned (background work is
  // lost). The generation moves on so that completions scheduled before
  // the failure can be recognised and ignored.
  std::vector<Job> Fail(double now);
  void Recover(double now);

  bool up() const { return up_; }
  uint32_t servers() const { return servers_; }
  uint32_t busy() const { return static_cast<uint32_t>(in_service_.size()); }
  size_t waiting() const { return queue_.size(); }
  uint32_t generation() const { return generation_; }

  // Busy server-seconds from the start up to `now` (>= every earlier `now`).
  double BusySeconds(double now);

 private:
  void Advance(double now);

  uint32_t servers_;
  std::vector<Job> in_service_;
  bool up_ = true;
  uint32_t generation_ = 0;
  std::deque<Job> queue_;
  double last_t_ = 0;
  double busy_integral_ = 0;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_SITE_QUEUE_H_
