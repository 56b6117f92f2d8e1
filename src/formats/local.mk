# libamass formats layer: model importers
