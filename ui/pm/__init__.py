"""PM Schedules and PM Forecast: lists, the schedule form, the calendar."""
