class S { static void Main() {} }
