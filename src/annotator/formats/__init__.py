"""Reading articles and writing annotations in file formats; no database, no Qt."""
