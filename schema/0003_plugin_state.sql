-- Turnout schema, version 3: what plugins keep.

-- A key-value store for each plugin, namespaced by the plugin's name. The
-- host keeps its own progress here too, under the name "_host".
CREATE TABLE plugin_kv (
  plugin      TEXT NOT NULL,
  key         TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  value       BLOB NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (plugin, key)
) WITHOUT ROWID;
