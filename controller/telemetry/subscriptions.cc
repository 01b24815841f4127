#include "controller/telemetry/subscriptions.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cpn::controller_telemetry {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::telemetry::v1;

namespace {

using Filter = google::protobuf::RepeatedPtrField<std::string>;

bool Allows(const Filter& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

void Stamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t ns = absl::ToUnixNanos(t);
  ts->set_seconds(ns / 1'000'000'000);
  ts->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

// What identifies a site state's content for ON_CHANGE: everything but
// the age and the reception time of its last report, which move with the
// clock alone.
std::string SiteContent(const cv1::SiteState& s) {
  cv1::SiteState copy = s;
  copy.clear_age();
  copy.clear_received_at();
  return copy.SerializeAsString();
}

struct Active {
  const tv1::Subscription* sub = nullptr;
  absl::Time next_sample = absl::InfinitePast();
  absl::Duration interval = absl::ZeroDuration();
  std::map<std::string, std::string> sent;  // ON_CHANGE site/link: item -> content
  uint64_t events_dropped = 0;
};

bool DecisionMatches(const tv1::SubscriptionFilter& f, const cv1::Decision& d) {
  return Allows(f.router_ids(), d.ingress_router_id()) && Allows(f.service_ids(), d.service_id());
}

bool SiteMatches(const tv1::SubscriptionFilter& f, const cv1::SiteState& s) {
  return Allows(f.site_ids(), s.site_id()) && Allows(f.service_ids(), s.service_id());
}

}  // namespace

absl::Status TelemetrySubscriptions::Validate(const tv1::SubscribeRequest& request) {
  if (request.subscriptions().empty()) {
    return absl::InvalidArgumentError("subscriptions: at least one is needed");
  }
  for (int i = 0; i < request.subscriptions_size(); ++i) {
    const tv1::Subscription& s = request.subscriptions(i);
    const std::string where = absl::StrCat("subscriptions[", i, "]");
    if (s.path() == tv1::TELEMETRY_PATH_UNSPECIFIED || !tv1::TelemetryPath_IsValid(s.path())) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".path: not set"));
    }
    if (s.mode_case() == tv1::Subscription::MODE_NOT_SET) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": set on_change or sample"));
    }
    if (s.has_sample()) {
      const absl::Duration d = absl::Seconds(s.sample().interval().seconds()) +
                               absl::Nanoseconds(s.sample().interval().nanos());
      if (d < absl::Milliseconds(100)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".sample.interval: ", absl::FormatDuration(d),
                         " is below the 100ms minimum"));
      }
      if (s.path() == tv1::TELEMETRY_PATH_EVENTS) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": TELEMETRY_PATH_EVENTS is ON_CHANGE only"));
      }
    }
    const tv1::SubscriptionFilter& f = s.filter();
    auto refuse = [&](const char* field) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".filter.", field, ": does not apply to ",
                                                     tv1::TelemetryPath_Name(s.path())));
    };
    switch (s.path()) {
      case tv1::TELEMETRY_PATH_DECISIONS:
        if (!f.site_ids().empty()) return refuse("site_ids");
        if (!f.link_ids().empty()) return refuse("link_ids");
        break;
      case tv1::TELEMETRY_PATH_SITE_METRICS:
        if (!f.router_ids().empty()) return refuse("router_ids");
        if (!f.link_ids().empty()) return refuse("link_ids");
        break;
      case tv1::TELEMETRY_PATH_LINK_UTILIZATION:
        if (!f.router_ids().empty()) return refuse("router_ids");
        if (!f.service_ids().empty()) return refuse("service_ids");
        if (!f.site_ids().empty()) return refuse("site_ids");
        break;
      case tv1::TELEMETRY_PATH_DATAPLANE_COUNTERS:
        if (!f.service_ids().empty()) return refuse("service_ids");
        if (!f.site_ids().empty()) return refuse("site_ids");
        if (!f.link_ids().empty()) return refuse("link_ids");
        break;
      case tv1::TELEMETRY_PATH_EVENTS:
        if (f.router_ids_size() + f.service_ids_size() + f.site_ids_size() + f.link_ids_size() > 0) {
          return absl::InvalidArgumentError(absl::StrCat(where, ".filter: events take no filter"));
        }
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

absl::Status TelemetrySubscriptions::Subscribe(
    const tv1::SubscribeRequest& request,
    absl::FunctionRef<bool(const tv1::SubscribeResponse&)> write,
    absl::FunctionRef<bool()> cancelled, absl::Duration poll) {
  if (absl::Status s = Validate(request); !s.ok()) return s;

  std::vector<Active> subs;
  bool want_decision_changes = false, want_events = false;
  for (const tv1::Subscription& s : request.subscriptions()) {
    Active a;
    a.sub = &s;
    if (s.has_sample()) {
      a.interval = absl::Seconds(s.sample().interval().seconds()) +
                   absl::Nanoseconds(s.sample().interval().nanos());
    }
    want_decision_changes |= s.path() == tv1::TELEMETRY_PATH_DECISIONS && s.has_on_change();
    want_events |= s.path() == tv1::TELEMETRY_PATH_EVENTS;
    subs.push_back(std::move(a));
  }

  // Sources that queue (subscribed before the initial state is read, so
  // nothing falls between the two).
  std::shared_ptr<api::DecisionWatcher> watcher;
  if (want_decision_changes) {
    absl::StatusOr<std::shared_ptr<api::DecisionWatcher>> w = hub_->Subscribe({}, {});
    if (!w.ok()) return w.status();
    watcher = *std::move(w);
  }
  std::shared_ptr<EventSubscriber> event_sub;
  if (want_events) event_sub = events_->Subscribe();
  struct Leave {
    api::DecisionWatchHub* hub;
    EventRecorder* events;
    api::DecisionWatcher* w;
    EventSubscriber* e;
    ~Leave() {
      if (w != nullptr) hub->Unsubscribe(w);
      if (e != nullptr) events->Unsubscribe(e);
    }
  } leave{hub_, events_, watcher.get(), event_sub.get()};

  tv1::SubscribeResponse msg;
  auto send = [&](absl::Time at, tv1::TelemetryPath path, uint64_t dropped,
                  const std::function<void(tv1::Notification*)>& fill) {
    tv1::Notification* n = msg.mutable_update();
    n->Clear();
    Stamp(at, n->mutable_timestamp());
    n->set_path(path);
    n->set_dropped(dropped);
    fill(n);
    return write(msg);
  };

  // Sends the current state of `a`'s items (all of them, or for ON_CHANGE
  // site/link subscriptions only those whose content changed).
  std::shared_ptr<const api::DecisionSet> set = loop_->Current();
  auto state_of = [&](Active& a, bool only_changed) -> bool {
    const tv1::Subscription& s = *a.sub;
    const tv1::SubscriptionFilter& f = s.filter();
    const absl::Time now = absl::Now();
    switch (s.path()) {
      case tv1::TELEMETRY_PATH_DECISIONS:
        for (const api::DecisionRecord& r : set->records) {
          if (!DecisionMatches(f, r.decision)) continue;
          if (!send(set->decided_at, s.path(), 0,
                    [&](tv1::Notification* n) { *n->mutable_decision() = r.decision; })) {
            return false;
          }
        }
        return true;
      case tv1::TELEMETRY_PATH_SITE_METRICS:
        for (const cv1::SiteState& st : set->site_states) {
          if (!SiteMatches(f, st)) continue;
          if (only_changed) {
            std::string content = SiteContent(st);
            std::string& last = a.sent[st.site_id() + "\n" + st.service_id()];
            if (last == content) continue;
            last = std::move(content);
          }
          if (!send(now, s.path(), 0, [&](tv1::Notification* n) { *n->mutable_site_state() = st; })) {
            return false;
          }
        }
        return true;
      case tv1::TELEMETRY_PATH_LINK_UTILIZATION:
        for (const cv1::LinkState& l : set->link_states) {
          if (!Allows(f.link_ids(), l.link_id())) continue;
          if (only_changed) {
            std::string content = l.SerializeAsString();
            std::string& last = a.sent[l.link_id()];
            if (last == content) continue;
            last = std::move(content);
          }
          if (!send(now, s.path(), 0, [&](tv1::Notification* n) { *n->mutable_link_state() = l; })) {
            return false;
          }
        }
        return true;
      case tv1::TELEMETRY_PATH_DATAPLANE_COUNTERS:
        if (!counters_) return true;
        for (const tv1::DataplaneCounters& c : counters_()) {
          if (!Allows(f.router_ids(), c.router_id())) continue;
          if (only_changed) {
            std::string content = c.SerializeAsString();
            std::string& last = a.sent[c.router_id()];
            if (last == content) continue;
            last = std::move(content);
          }
          if (!send(now, s.path(), 0,
                    [&](tv1::Notification* n) { *n->mutable_dataplane_counters() = c; })) {
            return false;
          }
        }
        return true;
      default:
        return true;  // events have no state
    }
  };

  // Initial state, then one SyncComplete.
  for (Active& a : subs) {
    if (!state_of(a, a.sub->has_on_change())) return absl::CancelledError("the stream broke");
  }
  const uint64_t initial_epoch = set->epoch;
  uint64_t seen_epoch = initial_epoch;
  msg.mutable_sync_complete()->set_epoch(initial_epoch);
  if (!write(msg)) return absl::CancelledError("the stream broke");
  const absl::Time start = absl::Now();
  for (Active& a : subs) {
    if (a.sub->has_sample()) a.next_sample = start + a.interval;
  }

  std::vector<cv1::DecisionEvent> changes;
  std::vector<tv1::EventRecord> events;
  while (true) {
    if (cancelled()) return absl::CancelledError("the subscription was cancelled");
    absl::Time wake = absl::Now() + poll;
    for (const Active& a : subs) {
      if (a.sub->has_sample()) wake = std::min(wake, a.next_sample);
    }
    const absl::Duration wait = std::max(absl::ZeroDuration(), wake - absl::Now());
    changes.clear();
    events.clear();
    uint64_t events_dropped = 0;
    bool closed = false;
    if (watcher != nullptr) {
      closed |= watcher->Next(wait, &changes) == api::DecisionWatcher::WaitResult::kClosed;
      if (event_sub != nullptr) {
        closed |= event_sub->Next(absl::ZeroDuration(), &events, &events_dropped) ==
                  EventSubscriber::WaitResult::kClosed;
      }
    } else if (event_sub != nullptr) {
      closed |= event_sub->Next(wait, &events, &events_dropped) ==
                EventSubscriber::WaitResult::kClosed;
    } else {
      absl::SleepFor(wait);
    }
    if (closed) return absl::UnavailableError("the controller is stopping; subscribe again");

    for (cv1::DecisionEvent& e : changes) {
      if (e.change().epoch() <= initial_epoch) continue;
      for (const Active& a : subs) {
        const tv1::Subscription& s = *a.sub;
        if (s.path() != tv1::TELEMETRY_PATH_DECISIONS || !s.has_on_change()) continue;
        if (!DecisionMatches(s.filter(), e.decision())) continue;
        const absl::Time at = absl::FromUnixSeconds(e.timestamp().seconds()) +
                              absl::Nanoseconds(e.timestamp().nanos());
        if (!send(at, s.path(), 0, [&](tv1::Notification* n) { *n->mutable_decision_change() = e; })) {
          return absl::CancelledError("the stream broke");
        }
      }
    }
    for (Active& a : subs) {
      if (a.sub->path() != tv1::TELEMETRY_PATH_EVENTS) continue;
      a.events_dropped += events_dropped;
      for (const tv1::EventRecord& r : events) {
        const absl::Time at = absl::FromUnixSeconds(r.timestamp().seconds()) +
                              absl::Nanoseconds(r.timestamp().nanos());
        const uint64_t dropped = std::exchange(a.events_dropped, 0);
        if (!send(at, a.sub->path(), dropped, [&](tv1::Notification* n) { *n->mutable_event() = r; })) {
          return absl::CancelledError("the stream broke");
        }
      }
    }

    // A new epoch: ON_CHANGE site, link and counter items that moved.
    set = loop_->Current();
    if (set->epoch != seen_epoch) {
      seen_epoch = set->epoch;
      for (Active& a : subs) {
        const tv1::TelemetryPath p = a.sub->path();
        if (!a.sub->has_on_change() || p == tv1::TELEMETRY_PATH_DECISIONS ||
            p == tv1::TELEMETRY_PATH_EVENTS) {
          continue;
        }
        if (!state_of(a, true)) return absl::CancelledError("the stream broke");
      }
    }
    const absl::Time now = absl::Now();
    for (Active& a : subs) {
      if (!a.sub->has_sample() || now < a.next_sample) continue;
      a.next_sample = std::max(a.next_sample + a.interval, now);
      if (!state_of(a, false)) return absl::CancelledError("the stream broke");
    }
  }
}

}  // namespace cpn::controller_telemetry
