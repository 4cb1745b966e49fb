// Tests for the rules with overlap (--overlap=true, each trainer's header):
// the rebase W <- C + (W - W_sent) of DOWNPOUR, ADAG and DynSGD worked on
// small vectors, with the other workers' commits arriving during the flight;
// that overlap with no progress since sending is the plain rule exactly; that
// every batch's progress reaches the server once; DynSGD's staleness counted
// from the centre the worker rebased onto; the elastic step of AEASGD and
// EAMSGD against a centre one exchange old; and the registry's overlap flag
// with the refusal naming the trainer and the option.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/trainers/dynsgd.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/trainers/update_rule.hpp"
#include "test_support.hpp"

namespace actors {

namespace {

using test::check_near;
using vec = std::vector<float>;

std::unique_ptr<update_rule> build(const std::string& name,
                                   std::size_t window = 0) {
  auto opts = test::named<rule_options>(name);
  opts.window = window;
  if (name == "aeasgd" || name == "eamsgd") {
    // a = rho * elastic_lr = 0.25, not 0.5 (where W - E = C + E would hide a
    // sign error).
    opts.rho = 2.5;
    opts.elastic_lr = 0.1;
  }
  return test::built(make_rule(opts));
}

vec payload_of(const update_rule& rule, const vec& w, const vec& w_pull) {
  vec payload(w.size(), -99.0f);
  rule.make_payload(w.data(), w_pull.data(), payload.data(), w.size());
  return payload;
}

void apply(update_rule& rule, vec& centre, const vec& payload,
           std::uint64_t updates = 0, std::uint64_t last_update = 0) {
  rule.apply(centre.data(), payload.data(), centre.size(), updates,
             last_update);
}

vec rebased(const update_rule& rule, vec w, const vec& centre,
            const vec& w_sent) {
  rule.rebase(w.data(), centre.data(), w_sent.data(), w.size());
  return w;
}

} // namespace

TEST_SUITE("trainers") {

TEST_CASE("adag with overlap: W <- C + (W - W_sent), and the next payload "
          "carries exactly the progress not yet sent (window 4)") {
  auto rule = build("adag", 4);
  const vec c0 = {1.0f, 2.0f, 3.0f};
  vec centre = c0;
  // Worker A sends from W_sent = {3, 0, 3.5}, pulled at C0:
  // r = ({3, 0, 3.5} - C0) / 4 = {2, -2, 0.5} / 4 = {0.5, -0.5, 0.125}.
  const vec w_sent = {3.0f, 0.0f, 3.5f};
  const vec r1 = payload_of(*rule, w_sent, c0);
  check_near(r1, {0.5f, -0.5f, 0.125f});
  apply(*rule, centre, r1);
  const vec reply = centre; // {1.5, 1.5, 3.125}: the server answers A.
  // Worker B's commit {0, 1, -1} lands after A's; A does not see it yet.
  apply(*rule, centre, {0.0f, 1.0f, -1.0f});
  check_near(centre, {1.5f, 2.5f, 2.125f});
  // Meanwhile A trained on to W = {3.5, 1, 3.5}: progress {0.5, 1, 0}.
  // Rebase onto its reply: W = {1.5, 1.5, 3.125} + {0.5, 1, 0}.
  vec w = rebased(*rule, {3.5f, 1.0f, 3.5f}, reply, w_sent);
  check_near(w, {2.0f, 2.5f, 3.125f});
  // A trains on by {0.5, 0, 0.5} to {2.5, 2.5, 3.625}; W_pull = the reply.
  // r = ({0.5, 1, 0} + {0.5, 0, 0.5}) / 4 = {0.25, 0.25, 0.125}.
  w = {2.5f, 2.5f, 3.625f};
  const vec r2 = payload_of(*rule, w, reply);
  check_near(r2, {0.25f, 0.25f, 0.125f});
  // Every batch's progress was sent once: 4 (r1 + r2) = {3, -1, 1}, A's
  // whole local progress {2, -2, 0.5} + {0.5, 1, 0} + {0.5, 0, 0.5}.
  check_near({4 * (r1[0] + r2[0]), 4 * (r1[1] + r2[1]), 4 * (r1[2] + r2[2])},
             {3.0f, -1.0f, 1.0f});
  apply(*rule, centre, r2);
  check_near(centre, {1.75f, 2.75f, 2.25f});
}

TEST_CASE("overlap with no progress since sending is the plain rule: "
          "W <- C exactly, for downpour, adag and dynsgd") {
  const vec centre = {0.1f, -7.25f, 3.0e-7f, 1234.5f, -0.0f};
  const vec w_sent = {0.3f, 2.0f, -1.0e-3f, 1.0e6f, 5.0f};
  for (const char* name : {"downpour", "adag", "dynsgd"}) {
    CAPTURE(name);
    auto rule = build(name);
    CHECK(rule->kind() == exchange_kind::push_then_pull);
    // W = W_sent: C + (W - W_sent) = C + 0, bit for bit the centre.
    const vec w = rebased(*rule, w_sent, centre, w_sent);
    for (std::size_t k = 0; k < w.size(); ++k) {
      CAPTURE(k);
      CHECK(w[k] == centre[k]);
    }
    // Progress {1, -1, 0.5, 0, 2} since sending is kept on top of C.
    check_near(rebased(*rule, {1.3f, 1.0f, 0.499f, 1.0e6f, 7.0f}, centre,
                       w_sent),
               {1.1f, -8.25f, 0.5f, 1234.5f, 2.0f}, 1e-5);
  }
}

TEST_CASE("downpour with overlap: the delta sent before a batch, the rebase "
          "after the reply") {
  auto rule = build("downpour", 2);
  vec centre = {2.0f, 2.0f};
  // W_sent = {3, 1} pulled at C = {2, 2}: delta {1, -1}; C = {3, 1}.
  const vec w_sent = {3.0f, 1.0f};
  apply(*rule, centre, payload_of(*rule, w_sent, {2.0f, 2.0f}));
  const vec reply = centre;
  // Batch i trained during the flight: W = {2.5, 1.5}, progress {-0.5, 0.5}.
  // W = {3, 1} + {-0.5, 0.5} = {2.5, 1.5}: here the reply is exactly W_sent's
  // contribution on top of C, so the worker lands where it was.
  check_near(rebased(*rule, {2.5f, 1.5f}, reply, w_sent), {2.5f, 1.5f});
  // Another worker's delta {1, 1} applied first: the reply {4, 2} moves W by
  // just that: {3.5, 2.5}.
  apply(*rule, centre, {1.0f, 1.0f});
  check_near(rebased(*rule, {2.5f, 1.5f}, centre, w_sent), {3.5f, 2.5f});
}

TEST_CASE("dynsgd with overlap: staleness counts from the centre the worker "
          "rebased onto") {
  auto rule = build("dynsgd", 2);
  vec centre = {1.0f, 2.0f};
  std::uint64_t updates = 0;
  // A pulled C0 at version 0 and sends r = {1, -1} with last_update 0: s = 1.
  const vec w_sent = {2.0f, 1.0f};
  apply(*rule, centre, payload_of(*rule, w_sent, {1.0f, 2.0f}), updates++, 0);
  const vec reply = centre; // {2, 1}, version 1.
  const std::uint64_t last_update = updates;
  // Two commits of B land while A trains on to W = {2.5, 1} ({0.5, 0} since
  // sending): each {0.5, 0.5}, fresh (s = 1).
  for (int b = 0; b < 2; ++b) {
    apply(*rule, centre, {0.5f, 0.5f}, updates, updates);
    ++updates;
  }
  check_near(centre, {3.0f, 2.0f});
  // A rebases onto its reply: W = {2, 1} + {0.5, 0} = {2.5, 1}; trains on to
  // {3, 1.5}; r = {3, 1.5} - {2, 1} = {1, 0.5}, last_update 1, updates 3:
  // s = (3 - 1) + 1 = 3 -> C += {1/3, 1/6}.
  check_near(rebased(*rule, {2.5f, 1.0f}, reply, w_sent), {2.5f, 1.0f});
  CHECK(dynsgd::staleness_divisor(updates, last_update) == 3);
  apply(*rule, centre, payload_of(*rule, {3.0f, 1.5f}, reply), updates,
        last_update);
  check_near(centre, {3.0f + 1.0f / 3.0f, 2.0f + 0.5f / 3.0f});
}

TEST_CASE("aeasgd and eamsgd with overlap: the elastic step against the "
          "centre one exchange old, and no rebase") {
  for (const char* name : {"aeasgd", "eamsgd"}) {
    CAPTURE(name);
    auto rule = build(name);
    CHECK(rule->kind() == exchange_kind::pull_then_push);
    vec centre = {1.0f, 2.0f, 3.0f};
    vec e(3);
    // Exchange 1: A's newest centre is the initial pull C0 = {1, 2, 3}.
    // W = {3, 2, -1}: E = 0.25 {2, 0, -4} = {0.5, 0, -1}; W = {2.5, 2, 0};
    // the server applies E and answers {1.5, 2, 2}.
    vec a = {3.0f, 2.0f, -1.0f};
    const vec c_a = centre;
    rule->elastic_step(a.data(), c_a.data(), e.data(), 3);
    check_near(e, {0.5f, 0.0f, -1.0f});
    check_near(a, {2.5f, 2.0f, 0.0f});
    apply(*rule, centre, e);
    const vec reply = centre;
    check_near(reply, {1.5f, 2.0f, 2.0f});
    // B's elastic difference {-0.5, 0.5, 0} lands after: C = {1, 2.5, 2}.
    apply(*rule, centre, {-0.5f, 0.5f, 0.0f});
    // The reply does not move A's weights (pull_then_push: no rebase).
    a = {3.0f, 2.5f, 0.0f}; // A trained on.
    check_near(rebased(*rule, a, reply, {9.0f, 9.0f, 9.0f}), a);
    // Exchange 2, against A's newest centre, its reply {1.5, 2, 2} (not the
    // server's {1, 2.5, 2}): E = 0.25 {1.5, 0.5, -2} = {0.375, 0.125, -0.5};
    // W = {2.625, 2.375, 0.5}; C = {1.375, 2.625, 1.5}. (Against the current
    // centre the plain rule would send {0.5, 0, -0.5}.)
    rule->elastic_step(a.data(), reply.data(), e.data(), 3);
    check_near(e, {0.375f, 0.125f, -0.5f});
    check_near(a, {2.625f, 2.375f, 0.5f});
    apply(*rule, centre, e);
    check_near(centre, {1.375f, 2.625f, 1.5f});
  }
}

TEST_CASE("trainers registry: which trainers overlap, and the refusal names "
          "the trainer and the option") {
  for (const auto& entry : trainer_registry()) {
    CAPTURE(entry.name);
    const auto kind = build(entry.name)->kind();
    const std::string name = entry.name;
    // Averaging's round is a barrier; single and ensemble have no server.
    const bool able = name != "averaging" && kind != exchange_kind::none;
    CHECK(entry.overlap == able);
    CHECK(check_overlap(name, false));
    const status st = check_overlap(name, true);
    CHECK(static_cast<bool>(st) == able);
    if (!able) {
      CHECK(st.error_code() == status::code::invalid_argument);
      CHECK(test::contains(st.message(), "'" + name + "'"));
      CHECK(test::contains(st.message(), "option 'overlap'"));
      CHECK(test::contains(st.message(),
                           "downpour, adag, dynsgd, aeasgd, eamsgd"));
    }
  }
  // An unknown name is make_rule's to refuse.
  CHECK(check_overlap("easgd", true));
}

} // TEST_SUITE("trainers")

} // namespace actors
