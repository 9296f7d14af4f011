"""The function allow-lists: sqlglot classes and DuckDB names an analyst's query may call.

Kept as data, not logic, so a review of "what can a query call" is a review of this file. Every
entry is a pure scalar, aggregate or window function over values already in the query. Nothing
here reads files, the network, settings, the catalog or the environment; nothing changes session
state (``setseed``, ``nextval``); nothing generates rows unboundedly (``range``,
``generate_series``) or accumulates by iteration (``list_reduce``: a doubling lambda is 2^n).
Functions whose output size is an argument (``repeat``, ``lpad``, ``list_resize`` …) are here
but bounded by ``rules.sizes``. Table functions are handled by ``rules.tables``, not here.
"""

from __future__ import annotations

_CONTROL = """
Case If Coalesce Nullif Nvl2 Greatest Least Cast TryCast CastToStrType Try Typeof Collate
EqualNull Columns And Or Xor Exists
"""
_STRING = """
Lower Upper Length ByteLength BitLength Concat ConcatWs Substring Left Right Trim Pad Replace
Reverse Repeat Space StrPosition StartsWith EndsWith Contains Split SplitPart StringToArray
Initcap Ascii Chr Unicode Format Levenshtein JarowinklerSimilarity Soundex Translate Overlay
RegexpLike RegexpILike RegexpExtract RegexpExtractAll RegexpReplace RegexpSplit RegexpCount
RegexpFullMatch Hex Unhex LowerHex ToBase64 FromBase64 IsAscii Normalize MD5 SHA SHA2
"""
_MATH = """
Abs Ceil Floor Round Trunc Sign Sqrt Cbrt Exp Ln Log Pow Pi Degrees Radians Sin Cos Tan Cot Asin
Acos Atan Atan2 Sinh Cosh Tanh Asinh Acosh Atanh Factorial IsNan IsInf Rand WidthBucket Rint
SafeDivide Getbit Negative
"""
_DATES = """
CurrentDate CurrentTime CurrentTimestamp Date Time Timestamp Datetime DateAdd DateSub DateDiff
DateTrunc DatetimeTrunc TimestampTrunc TimeTrunc Extract Year Quarter Month Week WeekOfYear Day
DayOfMonth DayOfWeek DayOfWeekIso DayOfYear Hour Minute Second Dayname Monthname LastDay
StrToDate StrToTime TimeToStr TimeStrToTime TimeStrToDate TimeToUnix UnixToTime DateFromParts
TimestampFromParts MakeInterval TsOrDsToDate TsOrDsAdd TsOrDsDiff TimestampAdd TimestampDiff
TimestampSub DateStrToDate DateToDateStr TimeAdd TimeSub TimeDiff DateBin YearOfWeek
YearOfWeekIso ToDays UnixDate TsOrDsToTimestamp JustifyDays JustifyHours JustifyInterval
"""
_AGGREGATES = """
Count CountIf Sum Avg Min Max Median Mode AnyValue First Last ArgMax ArgMin ApproxDistinct
ApproxQuantile Stddev StddevPop StddevSamp Variance VariancePop CovarPop CovarSamp Corr
PercentileCont PercentileDisc Quantile GroupConcat ArrayAgg LogicalAnd LogicalOr BitwiseAndAgg
BitwiseOrAgg BitwiseXorAgg Kurtosis Skewness RegrSlope RegrIntercept RegrR2 RegrCount RegrAvgx
RegrAvgy RegrSxx RegrSyy RegrSxy Grouping
"""
_WINDOW = """
RowNumber Rank DenseRank PercentRank CumeDist Ntile Lag Lead FirstValue LastValue NthValue
"""
_NESTED = """
Array List Struct StructExtract Map VarMap MapFromEntries MapKeys ToMap Unnest Explode ArraySize
ArrayContains ArrayConcat ArrayAppend ArrayPrepend ArrayDistinct ArrayFilter ArrayFirst ArrayLast
ArrayReverse ArraySlice ArraySort ArraySum ArrayToString ArrayIntersect ArrayOverlaps ArrayMax
ArrayMin ArrayPosition ArrayAll ArrayAny ArrayContainsAll ArrayUniqueAgg Transform Flatten
ArraysZip
"""
_JSON = """
JSONExtract JSONExtractScalar JSONBExtract JSONBExtractScalar JSONArray JSONObject JSONFormat
JSONType JSONKeys ParseJSON JSONArrayAgg JSONObjectAgg JSONExists
"""

ALLOWED_FUNCTION_CLASSES: frozenset[str] = frozenset(
    (_CONTROL + _STRING + _MATH + _DATES + _AGGREGATES + _WINDOW + _NESTED + _JSON).split()
)

_DUCKDB_NAMES = """
now today age date_part datepart datediff date_sub date_add epoch epoch_ms make_time
make_timestamp strptime try_strptime strftime time_bucket century decade millennium isodow
isoyear yearweek weekday weekofyear dayofmonth dayofweek dayofyear julian era strlen
length_grapheme printf bit_count ltrim rtrim lcase ucase mid position instr string_split
string_split_regex str_split regexp_matches regexp_full_match suffix prefix starts_with
ends_with contains ilike_escape like_escape not_like_escape md5_number hash jaccard
jaro_similarity jaro_winkler_similarity damerau_levenshtein hamming editdist3 mismatches
nfc_normalize strip_accents unicode ord to_hex from_hex even gcd lcm gamma lgamma ln log10 log2
nextafter signbit trunc round_even roundbankers fdiv fmod xor bitstring_agg bool_and bool_or
histogram entropy product fsum sumkahan kahan_sum favg arbitrary string_agg listagg list
arg_max_null arg_min_null max_by min_by first last quantile quantile_cont quantile_disc
reservoir_quantile approx_count_distinct approx_quantile mad regr_avgx mode list_value list_pack
list_extract list_element list_has list_contains list_position list_concat list_cat list_append
list_prepend list_slice list_sort list_reverse_sort list_distinct list_unique list_aggregate
list_aggr list_sum list_min list_max list_avg list_count list_first list_last list_filter
list_transform list_apply list_zip list_reverse list_has_any list_has_all
list_intersect list_select list_where list_resize list_grade_up array_extract array_has
array_position array_length array_to_string array_value array_concat array_append array_prepend
array_slice len flatten generate_subscripts struct_pack struct_extract struct_insert row map
map_from_entries map_keys map_values map_entries map_extract element_at cardinality to_json
json_extract json_extract_string json_valid json_type json_array_length json_keys json_object
json_array json_contains json_value to_years to_months to_days to_hours to_minutes to_seconds
to_weeks isfinite isinf isnan greatest least ifnull iif nullif coalesce concat_ws lpad rpad left
right repeat replace reverse split_part substring substr
"""

ALLOWED_ANONYMOUS: frozenset[str] = frozenset(_DUCKDB_NAMES.split())
