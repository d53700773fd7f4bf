/*
 * attack_fakeads.h — fake capability ads: workers that claim more than
 * they will honour.
 *
 * A `fake-ads` worker runs the honest core; its operator simply tells it
 * to announce a better offer than the node has: `speed` times
 * `claim_factor` and `price` divided by it (population keys).  The ads are
 * validly signed, so no validator can refuse them: the damage shows in
 * what requesters pick.  The kad host module measures it against the
 * truth it alone has: of the workers a find-workers returns, the share
 * that are fake (cap.find.fake_share) and the finds whose first-ranked
 * worker is fake (cap.find.top_fake).  The market issue will make the lie
 * cost the requester (a job that runs slower or dearer than promised).
 */
#ifndef SIM_ATTACK_FAKEADS_H
#define SIM_ATTACK_FAKEADS_H

#include <stdint.h>

#include "scenario.h"

/* The offer a node of |pop| announces: its true `speed` and `price`, or
 * for behaviour fake-ads the inflated claim (speed x claim_factor,
 * saturating; price / claim_factor, at least 1). */
void sim_fakeads_claim(const sim_population *pop, uint32_t *speed, uint64_t *price_mcc);

#endif
