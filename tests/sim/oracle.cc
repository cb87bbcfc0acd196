#include "oracle.h"

#include <deque>
#include <stdexcept>

namespace lc::sim {

UpGraph::UpGraph(int n, std::vector<int32_t> priority)
    : n_(n), prio_(std::move(priority)), adj_(static_cast<std::size_t>((n + 1) * (n + 1)), false) {
  prio_.resize(static_cast<std::size_t>(n + 1), 0);
}

void UpGraph::add_edge(int a, int b) {
  if (a < 1 || b < 1 || a > n_ || b > n_ || a == b) throw std::out_of_range("UpGraph::add_edge");
  adj_[idx(a, b)] = true;
  adj_[idx(b, a)] = true;
  dirty_ = true;
}

void UpGraph::compute() const {
  if (!dirty_) return;
  dist_.assign(static_cast<std::size_t>((n_ + 1) * (n_ + 1)), -1);
  for (int s = 1; s <= n_; ++s) {
    std::deque<int> q{s};
    dist_[idx(s, s)] = 0;
    while (!q.empty()) {
      int u = q.front();
      q.pop_front();
      for (int v = 1; v <= n_; ++v) {
        if (!adj_[idx(u, v)] || dist_[idx(s, v)] >= 0) continue;
        dist_[idx(s, v)] = dist_[idx(s, u)] + 1;
        q.push_back(v);
      }
    }
  }
  dirty_ = false;
}

int UpGraph::dist(int a, int b) const {
  compute();
  return dist_[idx(a, b)];
}

std::optional<int> UpGraph::next_hop(int src, int dst) const {
  if (src == dst) return std::nullopt;
  const int d = dist(src, dst);
  if (d < 0) return std::nullopt;
  if (d == 1) return dst;  // a direct link wins
  std::optional<int> best;
  for (int h = 1; h <= n_; ++h) {
    if (!edge(src, h) || dist(h, dst) != d - 1) continue;
    if (!best || prio_[h] < prio_[*best] || (prio_[h] == prio_[*best] && h < *best)) best = h;
  }
  return best;
}

std::string UpGraph::edges_string() const {
  std::string s;
  for (int a = 1; a <= n_; ++a)
    for (int b = a + 1; b <= n_; ++b)
      if (edge(a, b)) s += std::to_string(a) + "-" + std::to_string(b) + " ";
  return s;
}

}  // namespace lc::sim
