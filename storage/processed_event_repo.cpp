// ProcessedEventRepo: idempotency keys of handled events. Every event inserts one key inside
// its transaction, so a redelivery (Slack retries, a Teams resend, a crash before the ack)
// finds the key and does nothing.
#include "storage/processed_event_repo.hpp"

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

// One statement decides, so two deliveries racing on separate connections cannot both win.
bool ProcessedEventRepo::record(const std::string& key, Instant now) {
    db_.prepare(
           "INSERT INTO processed_events (key, processed_at) VALUES (?, ?) "
           "ON CONFLICT (key) DO NOTHING")
        .bind_all(key, seconds_of(now))
        .run();
    return db_.changes() == 1;
}

bool ProcessedEventRepo::seen(const std::string& key) {
    auto st = db_.prepare("SELECT 1 FROM processed_events WHERE key = ?");
    st.bind_all(key);
    return st.step();
}

int ProcessedEventRepo::prune(Instant before) {
    db_.prepare("DELETE FROM processed_events WHERE processed_at < ?")
        .bind_all(seconds_of(before))
        .run();
    return db_.changes();
}

}  // namespace releasebot
