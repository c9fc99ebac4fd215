"""botcoach's headless engine: data, models, runtime. Never imports textual, rich widgets or forms."""
