/* attack_fakeads.c — see attack_fakeads.h. */
#include "attack_fakeads.h"

#include <math.h>

void
sim_fakeads_claim(const sim_population *pop, uint32_t *speed, uint64_t *price_mcc)
{
  *speed = pop->kad.speed;
  *price_mcc = pop->kad.price_mcc;
  if (pop->behaviour != SIM_BEHAVIOUR_FAKE_ADS)
    return;
  double f = pop->kad.claim_factor;
  double s = floor((double)pop->kad.speed * f);
  *speed = s >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)s;
  uint64_t p = (uint64_t)floor((double)pop->kad.price_mcc / f);
  *price_mcc = p ? p : 1;
}
