"""Analytics over listings: the salary index (:mod:`analytics.salary_index`)."""
