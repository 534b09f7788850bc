# Tables and detail pages write times with numbers in the year-month-day order, as cloud
# consoles do in both languages; prose dates read the language's way.
DATE_FORMAT = "Y년 n월 j일"
DATETIME_FORMAT = "Y-m-d H:i:s"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i:s"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
