// Export and import of a workspace as one JSON document; see export.hpp. The rows come from
// storage/workspace_dump.hpp; this file only chooses the workspace and speaks JSON (Boost.JSON,
// both ways: an export is read once, so a DOM is simpler than streaming and fast enough for
// the largest workspaces we expect, tens of MB).
#include "bot/app/export.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <istream>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>

#include "commands/text_util.hpp"
#include "storage/database.hpp"
#include "storage/workspace_dump.hpp"

namespace releasebot {

namespace {

constexpr const char* kFormat = "releasebot-workspace";
constexpr int kVersion = 1;

namespace json = boost::json;

std::string hex(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0x0F];
    }
    return out;
}

std::optional<std::string> unhex(std::string_view s) {
    if (s.size() % 2) return std::nullopt;
    auto digit = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        int hi = digit(s[i]), lo = digit(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

json::value to_json(const DumpValue& v) {
    switch (v.kind) {
        case DumpValue::Kind::null:
            return nullptr;
        case DumpValue::Kind::integer:
            return v.integer;
        case DumpValue::Kind::real:
            return v.real;
        case DumpValue::Kind::text:
            return json::string(v.bytes);
        case DumpValue::Kind::blob:
            return json::object{{"hex", hex(v.bytes)}};
    }
    return nullptr;
}

json::array rows_json(const DumpTable& t) {
    json::array rows;
    rows.reserve(t.rows.size());
    for (const auto& row : t.rows) {
        json::object o;
        for (std::size_t i = 0; i < t.columns.size(); ++i) o[t.columns[i]] = to_json(row[i]);
        rows.push_back(std::move(o));
    }
    return rows;
}

Result<DumpValue> from_json(const json::value& v, const std::string& where) {
    DumpValue d;
    if (v.is_null()) return d;
    if (v.is_int64()) {
        d.kind = DumpValue::Kind::integer;
        d.integer = v.as_int64();
    } else if (v.is_uint64()) {
        return invalid(where + " holds a number too large for SQLite.");
    } else if (v.is_double()) {
        d.kind = DumpValue::Kind::real;
        d.real = v.as_double();
    } else if (v.is_string()) {
        d.kind = DumpValue::Kind::text;
        d.bytes = std::string(v.as_string());
    } else if (v.is_object() && v.as_object().size() == 1 && v.as_object().contains("hex") &&
               v.as_object().at("hex").is_string()) {
        auto bytes = unhex(v.as_object().at("hex").as_string());
        if (!bytes) return invalid(where + " has a \"hex\" value that is not hex digits.");
        d.kind = DumpValue::Kind::blob;
        d.bytes = std::move(*bytes);
    } else {
        return invalid(where +
                       " holds a value that is not null, a number, a string or "
                       "{\"hex\": …}.");
    }
    return d;
}

Result<DumpTable> table_from_json(const std::string& name, const json::value& v) {
    if (!v.is_array()) return invalid("\"" + name + "\" must be an array of rows.");
    DumpTable t;
    t.name = name;
    std::map<std::string, std::size_t> index;
    for (const auto& row : v.as_array()) {
        if (!row.is_object()) return invalid("A row of \"" + name + "\" is not an object.");
        std::vector<DumpValue> values(t.columns.size());
        for (const auto& [key, value] : row.as_object()) {
            std::string col(key);
            auto it = index.find(col);
            if (it == index.end()) {
                // A column first seen in a later row: earlier rows get NULL for it.
                it = index.emplace(col, t.columns.size()).first;
                t.columns.push_back(col);
                for (auto& r : t.rows) r.emplace_back();
                values.emplace_back();
            }
            auto d = from_json(value, "Column \"" + col + "\" of \"" + name + "\"");
            if (!d) return d.error();
            values[it->second] = std::move(*d);
        }
        t.rows.push_back(std::move(values));
    }
    return t;
}

std::string utc_now() {
    return utc_timestamp(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

std::string labels(const std::vector<DumpableWorkspace>& all) {
    std::string out;
    for (const auto& w : all) out += (out.empty() ? "" : ", ") + w.label;
    return out;
}

int count_rows(const WorkspaceDump& d) {
    int n = 1;
    for (const auto& t : d.tables) n += static_cast<int>(t.rows.size());
    return n;
}

int count_releases(const WorkspaceDump& d) {
    for (const auto& t : d.tables)
        if (t.name == "releases") return static_cast<int>(t.rows.size());
    return 0;
}

}  // namespace

Result<TransferSummary> export_workspace(Database& db, std::ostream& out,
                                         const ExportOptions& options) {
    if (options.format != "json")
        return usage_error("The export format \"" + options.format +
                           "\" is not known; use --format json.");
    auto all = list_workspaces(db);
    if (all.empty()) return not_found("The database " + db.path() + " holds no workspace yet.");
    const DumpableWorkspace* chosen = nullptr;
    if (options.workspace.empty()) {
        if (all.size() > 1)
            return usage_error("The database holds " + std::to_string(all.size()) +
                               " workspaces (" + labels(all) +
                               "); name one with --workspace <platform>:<tenant>.");
        chosen = &all.front();
    } else {
        for (const auto& w : all)
            if (w.label == options.workspace) chosen = &w;
        if (!chosen)
            return not_found("There is no workspace \"" + options.workspace +
                             "\" in the database; it holds " + labels(all) + ".");
    }

    // While an anonymous retro is open its ballot key is stored, so that people can change
    // their own answers; with the key, anyone holding the file could tell whose answers are
    // whose. The key goes when the retro closes; until then the workspace is not exported.
    {
        auto st = db.prepare(
            "SELECT rel.key, r.closes_at FROM retros r JOIN releases rel ON rel.id = "
            "r.release_id WHERE r.workspace_id = ? AND r.anonymous = 1 AND r.status = 'open' "
            "ORDER BY rel.key");
        st.bind_all(chosen->id);
        if (st.step()) {
            const std::string key = st.get_text(0);
            const std::string closes =
                utc_timestamp(std::chrono::sys_seconds(std::chrono::seconds(st.get_int(1))));
            return conflict("The workspace " + chosen->label +
                            " has an open anonymous retrospective (" + key + ", closing " + closes +
                            "). Until it closes, its answers are filed under a key that ties "
                            "them to the people who gave them, and an export would carry it. "
                            "Export once it has closed, or close it first with `retro close " +
                            key + "`. Nothing was written.");
        }
    }

    WorkspaceDump dump = dump_workspace(db, chosen->id);
    json::object doc;
    doc["format"] = kFormat;
    doc["version"] = kVersion;
    doc["schema"] = dump.schema;
    doc["exported_at"] = utc_now();
    json::array ws = rows_json(dump.workspace);
    doc["workspace"] = std::move(ws.at(0));
    json::object tables;
    for (const auto& t : dump.tables) tables[t.name] = rows_json(t);
    doc["tables"] = std::move(tables);
    out << json::serialize(doc) << '\n';
    if (!out) return Error{ErrorKind::internal, "Writing the export failed."};
    return TransferSummary{chosen->label, count_releases(dump), count_rows(dump)};
}

Result<TransferSummary> import_workspace(Database& db, std::istream& in) {
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    json::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec) return invalid("The import is not JSON (" + ec.message() + ").");
    if (!doc.is_object()) return invalid("The import is not a releasebot workspace export.");
    const auto& o = doc.as_object();
    auto format = o.if_contains("format");
    if (!format || !format->is_string() || format->as_string() != kFormat)
        return invalid(
            "The import is not a releasebot workspace export (its \"format\" is not "
            "\"releasebot-workspace\").");
    auto version = o.if_contains("version");
    if (!version || !version->is_int64() || version->as_int64() != kVersion)
        return invalid("The export's version is not 1; this releasebot reads version 1 only.");
    auto schema = o.if_contains("schema");
    if (!schema || !schema->is_int64()) return invalid("The export has no \"schema\" number.");
    if (schema->as_int64() > db.schema_version())
        return invalid("The export comes from a newer releasebot (schema " +
                       std::to_string(schema->as_int64()) + ", this one knows up to " +
                       std::to_string(db.schema_version()) + "); upgrade releasebot first.");
    auto ws = o.if_contains("workspace");
    auto tables = o.if_contains("tables");
    if (!ws || !ws->is_object() || !tables || !tables->is_object())
        return invalid("The export has no \"workspace\" object or \"tables\" object.");

    WorkspaceDump dump;
    dump.schema = static_cast<int>(schema->as_int64());
    auto w = table_from_json("workspaces", json::array{*ws});
    if (!w) return w.error();
    dump.workspace = std::move(*w);
    // Restore in the order parents come before children, whatever the document's key order.
    for (const auto& name : dump_table_names()) {
        auto t = tables->as_object().if_contains(name);
        if (!t) continue;  // a table added after the export was written
        auto table = table_from_json(name, *t);
        if (!table) return table.error();
        dump.tables.push_back(std::move(*table));
    }
    for (const auto& [name, value] : tables->as_object()) {
        (void)value;
        bool known = false;
        for (const auto& n : dump_table_names()) known = known || n == name;
        if (!known)
            return invalid("The export has a table \"" + std::string(name) +
                           "\" this releasebot does not restore.");
    }

    auto text_of = [&](const char* column) -> std::string {
        auto v = ws->as_object().if_contains(column);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    std::string label = text_of("platform") + ":" + text_of("tenant");
    for (const auto& existing : list_workspaces(db)) {
        if (existing.label == label)
            return conflict("The database already holds the workspace " + label +
                            "; import it into a database without it (a new file, or after "
                            "removing that workspace).");
    }
    try {
        restore_workspace(db, dump);
    } catch (const DatabaseError& e) {
        return invalid(std::string("The import was refused and nothing was changed: ") + e.what() +
                       ".");
    }
    return TransferSummary{label, count_releases(dump), count_rows(dump)};
}

}  // namespace releasebot
