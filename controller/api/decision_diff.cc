#include "controller/api/decision_diff.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

std::string CandidateKey(const std::string& site_id, const cv1::CandidatePath& p) {
  if (!p.path_id().empty()) return absl::StrCat(site_id, "|", p.path_id());
  return absl::StrCat(site_id, "|", absl::StrJoin(p.link_ids(), ","));
}

std::string CandidateKey(const cv1::WeightedCandidate& c) {
  return CandidateKey(c.site_id(), c.path());
}

bool SameAssignment(const cv1::Decision& a, const cv1::Decision& b) {
  if (a.basis() != b.basis()) return false;
  if (a.candidates_size() != b.candidates_size()) return false;
  std::map<std::string, double> weights;
  for (const cv1::WeightedCandidate& c : a.candidates()) weights[CandidateKey(c)] += c.weight();
  for (const cv1::WeightedCandidate& c : b.candidates()) {
    auto it = weights.find(CandidateKey(c));
    if (it == weights.end() || std::abs(it->second - c.weight()) > kWeightEpsilon) return false;
  }
  return true;
}

std::vector<cv1::WeightChange> WeightChanges(
    const cv1::Decision* old, const cv1::Decision& now,
    std::span<const cv1::CandidateExplanation> explanations) {
  struct Entry {
    std::string site_id;
    std::string path_id;
    double old_weight = 0;
    double new_weight = 0;
  };
  std::map<std::string, Entry> entries;
  if (old != nullptr) {
    for (const cv1::WeightedCandidate& c : old->candidates()) {
      Entry& e = entries[CandidateKey(c)];
      e.site_id = c.site_id();
      e.path_id = c.path().path_id();
      e.old_weight += c.weight();
    }
  }
  for (const cv1::WeightedCandidate& c : now.candidates()) {
    Entry& e = entries[CandidateKey(c)];
    e.site_id = c.site_id();
    e.path_id = c.path().path_id();
    e.new_weight += c.weight();
  }
  std::vector<cv1::WeightChange> out;
  for (const auto& [key, e] : entries) {
    if (std::abs(e.new_weight - e.old_weight) <= kWeightEpsilon) continue;
    cv1::WeightChange w;
    w.set_site_id(e.site_id);
    w.set_path_id(e.path_id);
    w.set_old_weight(e.old_weight);
    w.set_new_weight(e.new_weight);
    w.set_target_weight(e.new_weight);
    for (const cv1::CandidateExplanation& x : explanations) {
      if (CandidateKey(x.site_id(), x.path()) == key) {
        w.set_target_weight(x.target_weight());
        break;
      }
    }
    out.push_back(std::move(w));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const cv1::WeightChange& a, const cv1::WeightChange& b) {
                     return std::abs(a.new_weight() - a.old_weight()) >
                            std::abs(b.new_weight() - b.old_weight());
                   });
  return out;
}

std::vector<cv1::DecisionDiff> DiffDecisionSets(const DecisionSet& current,
                                                const DecisionSet& what_if) {
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::pair<const DecisionRecord*, const DecisionRecord*>> keys;
  for (const DecisionRecord& r : current.records) {
    keys[Key(r.decision.ingress_router_id(), r.decision.service_id())].first = &r;
  }
  for (const DecisionRecord& r : what_if.records) {
    keys[Key(r.decision.ingress_router_id(), r.decision.service_id())].second = &r;
  }
  std::vector<cv1::DecisionDiff> out;
  for (const auto& [key, pair] : keys) {
    const auto [cur, next] = pair;
    cv1::DecisionDiff diff;
    diff.mutable_key()->set_ingress_router_id(key.first);
    diff.mutable_key()->set_service_id(key.second);
    if (cur != nullptr && next != nullptr && SameAssignment(cur->decision, next->decision)) {
      continue;
    }
    if (next == nullptr) {
      diff.set_kind(cv1::DIFF_KIND_REMOVED);
    } else if (next->decision.basis() == cv1::DECISION_BASIS_UNSERVED) {
      diff.set_kind(cv1::DIFF_KIND_UNSERVED);
    } else if (cur == nullptr) {
      diff.set_kind(cv1::DIFF_KIND_ADDED);
    } else {
      diff.set_kind(cv1::DIFF_KIND_CHANGED);
    }
    if (cur != nullptr) {
      diff.set_current_expected_completion_ms(cur->decision.expected_completion_ms());
    }
    if (next != nullptr) {
      if (diff.kind() != cv1::DIFF_KIND_UNSERVED) {
        diff.set_what_if_expected_completion_ms(next->decision.expected_completion_ms());
      }
      diff.set_what_if_basis(next->decision.basis());
      for (cv1::WeightChange& w :
           WeightChanges(cur ? &cur->decision : nullptr, next->decision, next->candidates)) {
        *diff.add_weight_changes() = std::move(w);
      }
    } else {
      cv1::Decision empty;
      for (cv1::WeightChange& w : WeightChanges(&cur->decision, empty, {})) {
        *diff.add_weight_changes() = std::move(w);
      }
    }
    out.push_back(std::move(diff));
  }
  return out;
}

}  // namespace cpn::api
