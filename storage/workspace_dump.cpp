// Dump and restore of one workspace; see workspace_dump.hpp. Uses the sqlite3 API directly
// (through Database::handle()) because it is generic over column types, BLOBs included, which
// the typed Statement does not cover. Every value is still a bound parameter; table and column
// names come only from the fixed list below and the schema itself.
#include "storage/workspace_dump.hpp"

#include <sqlite3.h>

#include <map>
#include <optional>
#include <set>

#include "storage/database.hpp"

namespace releasebot {

namespace {

// How each table hangs off the workspace: the WHERE clause selecting its rows (one `?` for the
// workspace id), in restore order.
struct TableSpec {
    const char* name;
    const char* where;
};

constexpr const char* kOfWorkspace = "workspace_id = ?";
constexpr const char* kOfRelease = "release_id IN (SELECT id FROM releases WHERE workspace_id = ?)";

constexpr TableSpec kTables[] = {
    {"roles", kOfWorkspace},
    {"people", kOfWorkspace},
    {"control_templates", kOfWorkspace},
    {"freezes", kOfWorkspace},
    {"audiences", kOfWorkspace},
    {"retro_templates", kOfWorkspace},
    {"retro_template_questions",
     "template_id IN (SELECT id FROM retro_templates WHERE workspace_id = ?)"},
    {"releases", kOfWorkspace},
    {"release_programs", kOfRelease},
    {"components", kOfRelease},
    {"release_controls", kOfRelease},
    {"plan_steps", kOfRelease},
    {"reminder_offsets", kOfRelease},
    {"communications", kOfWorkspace},
    {"retros", kOfWorkspace},
    {"retro_questions", "retro_id IN (SELECT id FROM retros WHERE workspace_id = ?)"},
    {"retro_participants", "retro_id IN (SELECT id FROM retros WHERE workspace_id = ?)"},
    {"retro_answers", "retro_id IN (SELECT id FROM retros WHERE workspace_id = ?)"},
    {"retro_actions", kOfWorkspace},
    {"audit_log", kOfWorkspace},
};

// Reference columns and the table whose ids they hold.
const std::map<std::string, std::string>& references() {
    static const std::map<std::string, std::string> refs = {
        {"workspace_id", "workspaces"},
        {"release_id", "releases"},
        {"template_id", "retro_templates"},
        {"retro_id", "retros"},
    };
    return refs;
}

// A raw prepared statement, finalized on scope exit (not cached: a dump runs once).
class Raw {
  public:
    Raw(Database& db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
            throw DatabaseError("preparing \"" + sql + "\": " + sqlite3_errmsg(db.handle()));
    }
    ~Raw() { sqlite3_finalize(st_); }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;
    sqlite3_stmt* get() { return st_; }
    bool step() {
        int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw DatabaseError(std::string("restoring the workspace: ") +
                            sqlite3_errmsg(db_.handle()));
    }

  private:
    Database& db_;
    sqlite3_stmt* st_ = nullptr;
};

DumpValue read_value(sqlite3_stmt* st, int col) {
    DumpValue v;
    switch (sqlite3_column_type(st, col)) {
        case SQLITE_INTEGER:
            v.kind = DumpValue::Kind::integer;
            v.integer = sqlite3_column_int64(st, col);
            break;
        case SQLITE_FLOAT:
            v.kind = DumpValue::Kind::real;
            v.real = sqlite3_column_double(st, col);
            break;
        case SQLITE_TEXT:
            v.kind = DumpValue::Kind::text;
            v.bytes.assign(reinterpret_cast<const char*>(sqlite3_column_text(st, col)),
                           static_cast<std::size_t>(sqlite3_column_bytes(st, col)));
            break;
        case SQLITE_BLOB: {
            v.kind = DumpValue::Kind::blob;
            const void* p = sqlite3_column_blob(st, col);
            int n = sqlite3_column_bytes(st, col);
            if (p && n > 0)
                v.bytes.assign(static_cast<const char*>(p), static_cast<std::size_t>(n));
            break;
        }
        default:
            break;
    }
    return v;
}

void bind_value(sqlite3_stmt* st, int index, const DumpValue& v) {
    switch (v.kind) {
        case DumpValue::Kind::null:
            sqlite3_bind_null(st, index);
            break;
        case DumpValue::Kind::integer:
            sqlite3_bind_int64(st, index, v.integer);
            break;
        case DumpValue::Kind::real:
            sqlite3_bind_double(st, index, v.real);
            break;
        case DumpValue::Kind::text:
            sqlite3_bind_text(st, index, v.bytes.data(), static_cast<int>(v.bytes.size()),
                              SQLITE_TRANSIENT);
            break;
        case DumpValue::Kind::blob:
            sqlite3_bind_blob(st, index, v.bytes.data(), static_cast<int>(v.bytes.size()),
                              SQLITE_TRANSIENT);
            break;
    }
}

DumpTable read_table(Database& db, const std::string& name, const std::string& where,
                     WorkspaceId ws) {
    // rowid order keeps the audit log and positions in the order they were written.
    Raw st(db, "SELECT * FROM " + name + " WHERE " + where +
                   (name == "release_programs" || name == "reminder_offsets" ||
                            name == "retro_template_questions" || name == "retro_questions" ||
                            name == "retro_participants" || name == "retro_answers" ||
                            name == "roles" || name == "people"
                        ? ""
                        : " ORDER BY id"));
    sqlite3_bind_int64(st.get(), 1, ws.value());
    DumpTable t;
    t.name = name;
    int n = sqlite3_column_count(st.get());
    for (int i = 0; i < n; ++i) t.columns.emplace_back(sqlite3_column_name(st.get(), i));
    while (st.step()) {
        std::vector<DumpValue> row;
        row.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) row.push_back(read_value(st.get(), i));
        t.rows.push_back(std::move(row));
    }
    return t;
}

std::set<std::string> table_columns(Database& db, const std::string& table) {
    Raw st(db, "SELECT name FROM pragma_table_info(?)");
    sqlite3_bind_text(st.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
    std::set<std::string> out;
    while (st.step()) out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
    return out;
}

// Old id → new id, per table.
using IdMap = std::map<std::string, std::map<std::int64_t, std::int64_t>>;

void restore_table(Database& db, const DumpTable& t, IdMap& ids) {
    if (t.rows.empty()) return;
    std::set<std::string> known = table_columns(db, t.name);
    if (known.empty())
        throw DatabaseError("the export has a table `" + t.name +
                            "` this "
                            "releasebot does not know");
    std::optional<std::size_t> id_col;
    std::vector<std::size_t> cols;  // the dump's columns inserted, in order
    std::string sql = "INSERT INTO " + t.name + " (";
    std::string values;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const std::string& c = t.columns[i];
        if (!known.count(c))
            throw DatabaseError("the export's table `" + t.name + "` has a column `" + c +
                                "` this releasebot does not know");
        if (c == "id") {
            id_col = i;  // a new id is given on insert
            continue;
        }
        if (!cols.empty()) {
            sql += ", ";
            values += ", ";
        }
        sql += c;
        values += "?";
        cols.push_back(i);
    }
    sql += ") VALUES (" + values + ")";
    Raw st(db, sql);
    for (const auto& row : t.rows) {
        if (row.size() != t.columns.size())
            throw DatabaseError("a row of `" + t.name + "` has the wrong number of values");
        sqlite3_reset(st.get());
        sqlite3_clear_bindings(st.get());
        int index = 0;
        for (std::size_t i : cols) {
            DumpValue v = row[i];
            auto ref = references().find(t.columns[i]);
            if (ref != references().end() && v.kind == DumpValue::Kind::integer) {
                auto& map = ids[ref->second];
                auto it = map.find(v.integer);
                if (it == map.end())
                    throw DatabaseError("a row of `" + t.name + "` refers to " + ref->second + " " +
                                        std::to_string(v.integer) +
                                        ", which the export does not hold");
                v.integer = it->second;
            }
            bind_value(st.get(), ++index, v);
        }
        st.step();
        if (id_col && row[*id_col].kind == DumpValue::Kind::integer)
            ids[t.name][row[*id_col].integer] = sqlite3_last_insert_rowid(db.handle());
    }
}

}  // namespace

std::vector<DumpableWorkspace> list_workspaces(Database& db) {
    std::vector<DumpableWorkspace> out;
    auto st = db.prepare("SELECT id, platform, tenant FROM workspaces ORDER BY id");
    while (st.step())
        out.push_back({WorkspaceId(st.get_int(0)), st.get_text(1) + ":" + st.get_text(2)});
    return out;
}

const std::vector<std::string>& dump_table_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& t : kTables) out.emplace_back(t.name);
        return out;
    }();
    return names;
}

WorkspaceDump dump_workspace(Database& db, WorkspaceId ws) {
    WorkspaceDump d;
    d.schema = db.schema_version();
    // One read transaction, so the dump is one consistent moment even while the bot runs; a
    // deferred one (not Transaction's BEGIN IMMEDIATE), so the bot's writers never wait for it.
    const bool own = sqlite3_get_autocommit(db.handle()) != 0;
    if (own) db.exec("BEGIN");
    try {
        d.workspace = read_table(db, "workspaces", "id = ?", ws);
        if (d.workspace.rows.size() != 1)
            throw DatabaseError("no workspace " + std::to_string(ws.value()) + " to export");
        for (const auto& t : kTables) d.tables.push_back(read_table(db, t.name, t.where, ws));
    } catch (...) {
        if (own) db.exec("ROLLBACK");
        throw;
    }
    if (own) db.exec("COMMIT");
    return d;
}

WorkspaceId restore_workspace(Database& db, const WorkspaceDump& dump) {
    if (dump.workspace.rows.size() != 1) throw DatabaseError("the export holds no workspace row");
    Transaction tx(db);
    IdMap ids;
    restore_table(db, dump.workspace, ids);
    for (const auto& t : dump.tables) restore_table(db, t, ids);
    tx.commit();
    auto& ws = ids["workspaces"];
    if (ws.size() != 1) throw DatabaseError("the export's workspace row has no id");
    return WorkspaceId(ws.begin()->second);
}

}  // namespace releasebot
