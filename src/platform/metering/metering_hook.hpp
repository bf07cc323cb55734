#pragma once
// The metering CallHook: every admitted call leaves exactly one usage record. admit() fixes the price in force
// when the call started (a price change mid-call or mid-month never reprices it); the ticket's finish() builds
// the record from CallInfo + CallResult, computes the exact cost and hands it to the group-commit writer; `done`
// runs once the record is durable, so the response's final byte follows the commit.
#include <memory>

#include "gateway/call.hpp"
#include "platform/metering/ledger_writer.hpp"
#include "platform/pricing/pricing_state.hpp"

namespace sovra::platform::metering {

struct MeteringHookOptions {
  std::shared_ptr<LedgerWriter> writer;
  std::shared_ptr<const pricing::PricingState> pricing;
};

std::shared_ptr<gateway::CallHook> make_metering_hook(MeteringHookOptions options);

// The record of one call (id generated; cost from `price`, zero without one). Exposed for tests and tools.
UsageRecord make_usage_record(const gateway::CallInfo& info, const gateway::CallResult& result,
                              const pricing::Price* price, const std::string& currency);

// The name prices are looked up by: the deployment's canonical model, else the requested one.
std::string priced_model(const gateway::CallInfo& info);

}  // namespace sovra::platform::metering
