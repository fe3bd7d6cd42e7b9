# Fits forecast::ets (defaults, i.e. automatic AICc selection) to each series of a JSON file and
# writes point forecasts and 95% intervals as JSON.
# Usage: Rscript bench/forecast_vs_ets.R bench/data/forecast_series.json bench/data/forecast_ets_results.json
suppressPackageStartupMessages({ library(forecast); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
inp <- if (length(args) >= 1) args[1] else "bench/data/forecast_series.json"
outp <- if (length(args) >= 2) args[2] else "bench/data/forecast_ets_results.json"
series <- fromJSON(inp, simplifyVector = FALSE)
res <- list()
t0 <- proc.time()[["elapsed"]]
for (s in series) {
  y <- as.numeric(unlist(s$train))
  yt <- ts(y, frequency = s$frequency)
  h <- as.integer(s$horizon)
  fit <- tryCatch(ets(yt), error = function(e) NULL)
  if (is.null(fit)) {
    res[[length(res) + 1]] <- list(name = s$name, method = "error", mean = rep(mean(y), h), lower = rep(NA, h), upper = rep(NA, h))
    next
  }
  fc <- forecast(fit, h = h, level = 95)
  res[[length(res) + 1]] <- list(name = s$name, method = fit$method, aicc = fit$aicc,
                                 mean = as.numeric(fc$mean), lower = as.numeric(fc$lower), upper = as.numeric(fc$upper))
}
elapsed <- proc.time()[["elapsed"]] - t0
out <- list(version = as.character(packageVersion("forecast")), seconds = elapsed, results = res)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null"), outp)
cat(sprintf("ets: %d series in %.2f s (forecast %s)\n", length(res), elapsed, packageVersion("forecast")))
