#include "lab/sim/site_queue.h"

namespace cpn::lab::sim {

void SiteQueue::Advance(double now) {
  if (now > last_t_) {
    busy_integral_ += static_cast<double>(in_service_.size()) * (now - last_t_);
    last_t_ = now;
  }
}

bool SiteQueue::Arrive(const Job& job, double now) {
  if (!up_) return false;
  Advance(now);
  if (in_service_.size() < servers_) {
    in_service_.push_back(job);
    return true;
  }
  queue_.push_back(job);
  return false;
}

std::optional<Job> SiteQueue::Depart(uint64_t id, double now) {
  Advance(now);
  for (size_t i = 0; i < in_service_.size(); ++i) {
    if (in_service_[i].id != id) continue;
    in_service_[i] = in_service_.back();
    in_service_.pop_back();
    break;
  }
  if (queue_.empty()) return std::nullopt;
  Job next = queue_.front();
  queue_.pop_front();
  in_service_.push_back(next);
  return next;
}

std::vector<Job> SiteQueue::Fail(double now) {
  Advance(now);
  std::vector<Job> lost;
  for (const Job& j : in_service_) {
    if (!j.background) lost.push_back(j);
  }
  for (const Job& j : queue_) {
    if (!j.background) lost.push_back(j);
  }
  queue_.clear();
  in_service_.clear();
  up_ = false;
  ++generation_;
  return lost;
}

void SiteQueue::Recover(double now) {
  Advance(now);
  up_ = true;
}

double SiteQueue::BusySeconds(double now) {
  Advance(now);
  return busy_integral_;
}

}  // namespace cpn::lab::sim
