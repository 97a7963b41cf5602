#pragma once
// A complex ball (Arb's acb_t) as a value type (internal).
#include "relutope/exact.hpp"

#include <acb.h>
#include <flint/fmpq.h>

namespace relutope::internal {

class Ball {
public:
  Ball() { acb_init(v_); }
  Ball(const Ball& o) {
    acb_init(v_);
    acb_set(v_, o.v_);
  }
  Ball& operator=(const Ball& o) {
    acb_set(v_, o.v_);
    return *this;
  }
  ~Ball() { acb_clear(v_); }
  acb_ptr get() { return v_; }
  acb_srcptr get() const { return v_; }

private:
  acb_t v_;
};

/// The real ball around an exact rational at `prec` bits.
inline void set_rational(arb_t out, const Rational& q, slong prec) {
  fmpq_t f;
  fmpq_init(f);
  fmpq_set_mpq(f, q.get_mpq_t());
  arb_set_fmpq(out, f, prec);
  fmpq_clear(f);
}

}  // namespace relutope::internal
