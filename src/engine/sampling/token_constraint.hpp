#pragma once
// TokenConstraint: a per-sequence rule on which tokens may be sampled next (grammar-constrained decoding), as the
// engine applies it. The grammar implementation is GrammarConstraint (grammar/constraint.hpp).
//
// Contract: before each sampling step of its sequence the runner calls fill_mask(mask) (which sizes the mask to
// the model's vocabulary) and samples with that mask; it then calls accept(token) with the token sampled. A
// failed accept ends the sequence with an error. One constraint belongs to one sequence and is used by one thread
// at a time (the engine thread); never share one between requests.
#include "common/error.hpp"
#include "engine/sampling/token_mask.hpp"
#include "engine/sampling/types.hpp"

namespace sovra::sampling {

class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;
  virtual void fill_mask(TokenMask& mask) = 0;
  virtual Status accept(TokenId token) = 0;
};

}  // namespace sovra::sampling
