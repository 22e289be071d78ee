"""The benchmark: the warehouse's speed, memory and scaling beside the PySpark data-lake job."""
