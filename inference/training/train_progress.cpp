#include "inference/training/train_progress.h"

#include "core/enum_names.h"

namespace ld {

const char* trainEventName(TrainEvent e) {
    static const EnumName<TrainEvent> kNames[] = {{TrainEvent::Start, "start"},
                                                  {TrainEvent::Step, "step"},
                                                  {TrainEvent::Validation, "validation"},
                                                  {TrainEvent::Checkpoint, "checkpoint"},
                                                  {TrainEvent::Done, "done"},
                                                  {TrainEvent::Cancelled, "cancelled"}};
    return enumName(kNames, e);
}

nlohmann::json TrainProgress::toJson() const {
    nlohmann::json j = {{"event", trainEventName(event)}, {"step", step},
                        {"steps", steps},                 {"loss", loss},
                        {"lr", lr},                       {"seconds_per_step", secondsPerStep},
                        {"elapsed_s", elapsed},           {"eta_s", eta}};
    if (!path.empty()) j["path"] = path;
    if (!metrics.is_null()) j["metrics"] = metrics;
    return j;
}

}  // namespace ld
