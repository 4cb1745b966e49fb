// outputs: train_mnist's files to write, checked before the run starts.
//
// A run that trains for minutes and then cannot write its report or model
// loses its result (e.g. a container's volume that its user cannot write).
// check_outputs finds that out first: for each output option that is set it
// creates and removes the temporary file the writer itself would use
// (PATH.tmp, renamed into place at the end), and for a checkpoint directory
// creates the directory and a probe file in it. Nothing is left behind and an
// existing file is not touched.
#pragma once

#include "actors/util/status.hpp"
#include "settings.hpp"

namespace train_mnist {

/// invalid_argument (exit 2) naming the first option whose file cannot be
/// written, its path and the system's reason: --report, --report-html,
/// --save, --predictions (with --evaluate: --report and --predictions
/// only), --checkpoint-dir (or --resume's directory, which the resumed run
/// keeps checkpointing into).
status check_outputs(const settings& s);

} // namespace train_mnist
