<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CountersPanel</name>
    <message>
        <source>No licenses left: load the next package.</source>
        <translation>授权已用完：请加载下一个授权包。</translation>
    </message>
    <message numerus="yes">
        <source>Only %n license(s) left: get the next package ready.</source>
        <translation>
            <numerusform>仅剩 %n 个授权：请准备好下一个授权包。</numerusform>
        </translation>
    </message>
    <message>
        <source>Passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Yield</source>
        <translation>良率</translation>
    </message>
    <message>
        <source>Per hour</source>
        <translation>每小时</translation>
    </message>
    <message>
        <source>Licenses left</source>
        <translation>剩余授权</translation>
    </message>
</context>
<context>
    <name>EmptySlot</name>
    <message>
        <source>Slot %1
no adapter</source>
        <translation>槽位 %1
无适配器</translation>
    </message>
</context>
<context>
    <name>LogPanel</name>
    <message>
        <source>Show port:</source>
        <translation>显示端口：</translation>
    </message>
    <message>
        <source>All ports</source>
        <translation>全部端口</translation>
    </message>
</context>
<context>
    <name>PackagePanel</name>
    <message>
        <source>Load package…</source>
        <translation>加载授权包…</translation>
    </message>
    <message>
        <source>Load another package…</source>
        <translation>加载其他授权包…</translation>
    </message>
    <message>
        <source>No package loaded</source>
        <translation>未加载授权包</translation>
    </message>
    <message>
        <source>Load the credential package (or License List) for this order: click the button below or drop the file here.</source>
        <translation>请加载本订单的授权包（或授权清单）：点击下方按钮，或将文件拖放到这里。</translation>
    </message>
    <message>
        <source>DEMO PACKAGE: its licenses do not work in the cloud. Do not ship these modules.</source>
        <translation>演示授权包：其授权在云端无效。这些模组不得出货。</translation>
    </message>
    <message>
        <source>paid</source>
        <translation>付费</translation>
    </message>
    <message>
        <source>free</source>
        <translation>免费</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必选</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>none in this package</source>
        <translation>本授权包不含固件</translation>
    </message>
    <message>
        <source>License List</source>
        <translation>授权清单</translation>
    </message>
    <message>
        <source>Credential package</source>
        <translation>授权包</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Order number:</source>
        <translation>订单号：</translation>
    </message>
    <message>
        <source>Pickup list:</source>
        <translation>提货单号：</translation>
    </message>
    <message>
        <source>Product:</source>
        <translation>产品：</translation>
    </message>
    <message>
        <source>Category:</source>
        <translation>品类：</translation>
    </message>
    <message>
        <source>Communication:</source>
        <translation>通信方式：</translation>
    </message>
    <message>
        <source>Delivery mode:</source>
        <translation>交付方式：</translation>
    </message>
    <message>
        <source>Chip:</source>
        <translation>芯片：</translation>
    </message>
    <message>
        <source>Firmware:</source>
        <translation>固件：</translation>
    </message>
    <message>
        <source>Minimum firmware:</source>
        <translation>最低固件版本：</translation>
    </message>
    <message>
        <source>Features:</source>
        <translation>高级功能：</translation>
    </message>
    <message>
        <source>Firmware and license</source>
        <translation>固件与授权</translation>
    </message>
    <message>
        <source>Authorization only</source>
        <translation>仅授权</translation>
    </message>
    <message>
        <source>Authorization Only: this package writes no firmware. The modules must already run the product&apos;s firmware; only the license is written.</source>
        <translation>仅授权：此授权包不烧录固件。模组必须已运行本产品的固件，只写入授权。</translation>
    </message>
    <message>
        <source>License List: it carries no firmware and no firmware check. The station cannot tell whether the firmware on a module is the right one.</source>
        <translation>授权清单：不含固件，也不含固件校验。工位无法判断模组上的固件是否正确。</translation>
    </message>
    <message>
        <source>Modules with firmware older than %1 are refused.</source>
        <translation>固件版本低于 %1 的模组将被拒绝。</translation>
    </message>
    <message>
        <source>Licenses left: %1 of %2</source>
        <translation>剩余授权：%1 / %2</translation>
    </message>
    <message>
        <source>None left: load the next package.</source>
        <translation>已用完：请加载下一个授权包。</translation>
    </message>
    <message>
        <source>Running out: get the next package ready.</source>
        <translation>即将用完：请准备好下一个授权包。</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>Download password</source>
        <translation>下载密码</translation>
    </message>
    <message>
        <source>Type the download password of %1. It is on the order&apos;s download page.</source>
        <translation>请输入 %1 的下载密码。密码在订单的下载页面上。</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Supervisor PIN</source>
        <translation>主管 PIN 码</translation>
    </message>
    <message>
        <source>%1 needs a supervisor. No supervisor PIN is set yet: choose one now (at least %2 characters). It is stored only as a hash.</source>
        <translation>%1需要主管授权。尚未设置主管 PIN 码：请现在设置一个（至少 %2 位）。PIN 码只以哈希形式保存。</translation>
    </message>
    <message>
        <source>New PIN:</source>
        <translation>新 PIN 码：</translation>
    </message>
    <message>
        <source>Again:</source>
        <translation>再输一次：</translation>
    </message>
    <message>
        <source>%1 needs a supervisor. Supervisor PIN:</source>
        <translation>%1需要主管授权。主管 PIN 码：</translation>
    </message>
    <message>
        <source>PIN:</source>
        <translation>PIN 码：</translation>
    </message>
    <message>
        <source>The PIN needs at least %1 characters.</source>
        <translation>PIN 码至少需要 %1 位。</translation>
    </message>
    <message>
        <source>The two PINs differ.</source>
        <translation>两次输入的 PIN 码不一致。</translation>
    </message>
</context>
<context>
    <name>PortGrid</name>
    <message>
        <source>No USB adapters yet.
Plug one in: its tile appears here.</source>
        <translation>尚未连接 USB 转串口适配器。
插入一个后，它的端口卡片会显示在这里。</translation>
    </message>
</context>
<context>
    <name>PortTile</name>
    <message>
        <source>MAC: %1</source>
        <translation>MAC：%1</translation>
    </message>
    <message>
        <source>UUID: %1</source>
        <translation>UUID：%1</translation>
    </message>
    <message>
        <source>Put in the next module</source>
        <translation>放入下一个模块</translation>
    </message>
    <message>
        <source>Stopped mid-write: the module is half-written</source>
        <translation>写入中途停止：模块只写了一半</translation>
    </message>
    <message>
        <source>Retry to write it in full</source>
        <translation>请重试以完整写入</translation>
    </message>
    <message>
        <source>Stopped before anything was written</source>
        <translation>在写入任何内容之前已停止</translation>
    </message>
    <message>
        <source>(found %1)</source>
        <translation>（检测到 %1）</translation>
    </message>
    <message>
        <source>Holds: %1</source>
        <translation>已有授权：%1</translation>
    </message>
    <message>
        <source>Bundle…</source>
        <translation>诊断包…</translation>
    </message>
    <message>
        <source>Save a support bundle of the last failure</source>
        <translation>保存上一次失败的诊断包</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一个</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
</context>
<context>
    <name>QaPage</name>
    <message>
        <source>Give a port and a package.</source>
        <translation>请填写端口并选择包。</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>正在检查 %1…</translation>
    </message>
    <message>
        <source>PASS</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>QA check</source>
        <translation>质检</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Package</source>
        <translation>包</translation>
    </message>
    <message>
        <source>Settle a needs_check license found on this chip</source>
        <translation>将在此芯片上找到的待核查授权结清</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <source>Passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>No answer from the chip</source>
        <translation>芯片无响应</translation>
    </message>
    <message>
        <source>check the cable and that the board&apos;s auto-reset or boot button is wired</source>
        <translation>请检查数据线，以及板子的自动复位或 BOOT 按键是否接好</translation>
    </message>
    <message>
        <source>The chip was unplugged during the write</source>
        <translation>烧录过程中芯片被拔出</translation>
    </message>
    <message>
        <source>plug it in again firmly and retry</source>
        <translation>请重新插牢后重试</translation>
    </message>
    <message>
        <source>This chip is not the one the package is for</source>
        <translation>此芯片与授权包要求的型号不符</translation>
    </message>
    <message>
        <source>check the tray</source>
        <translation>请检查料盘</translation>
    </message>
    <message>
        <source>Too many errors on the serial link</source>
        <translation>串口通信错误过多</translation>
    </message>
    <message>
        <source>try another cable or USB port, or a lower baud rate in Settings</source>
        <translation>请更换数据线或 USB 口，或在设置中降低波特率</translation>
    </message>
    <message>
        <source>The chip&apos;s flash did not take the firmware</source>
        <translation>芯片 Flash 写入固件失败</translation>
    </message>
    <message>
        <source>retry once; if it fails again, set the module aside as faulty</source>
        <translation>请重试一次；若仍失败，将该模组作为不良品放到一边</translation>
    </message>
    <message>
        <source>The firmware read back differs from what was written</source>
        <translation>回读的固件与写入的不一致</translation>
    </message>
    <message>
        <source>The firmware does not fit this chip&apos;s flash</source>
        <translation>固件超出此芯片的 Flash 容量</translation>
    </message>
    <message>
        <source>check that the module has the flash size the product needs</source>
        <translation>请确认模组的 Flash 容量符合产品要求</translation>
    </message>
    <message>
        <source>The firmware on the chip is older than the package&apos;s minimum version</source>
        <translation>芯片上的固件低于授权包要求的最低版本</translation>
    </message>
    <message>
        <source>write the current firmware first</source>
        <translation>请先烧录当前版本的固件</translation>
    </message>
    <message>
        <source>The chip has no application firmware to authorize</source>
        <translation>芯片上没有可授权的应用固件</translation>
    </message>
    <message>
        <source>an Authorization Only package needs firmware already on the chip</source>
        <translation>仅授权的授权包要求芯片上已有固件</translation>
    </message>
    <message>
        <source>The firmware&apos;s production shell did not answer</source>
        <translation>固件的产测命令行无响应</translation>
    </message>
    <message>
        <source>check that this is the application UART and the firmware has the production shell</source>
        <translation>请确认接的是应用串口，且固件带有产测命令行</translation>
    </message>
    <message>
        <source>The firmware refused the license</source>
        <translation>固件拒绝了该授权</translation>
    </message>
    <message>
        <source>the firmware may be too old for this package; check its version</source>
        <translation>固件版本可能过旧，请检查固件版本</translation>
    </message>
    <message>
        <source>The license read back differs from what was written</source>
        <translation>回读的授权与写入的不一致</translation>
    </message>
    <message>
        <source>the license is held for a check; set the module aside for QA</source>
        <translation>该授权已保留待核查；请将模组交给品检</translation>
    </message>
    <message>
        <source>The chip&apos;s reply was garbled</source>
        <translation>芯片返回的数据是乱码</translation>
    </message>
    <message>
        <source>try another cable or USB port</source>
        <translation>请更换数据线或 USB 口</translation>
    </message>
    <message>
        <source>The chip already holds a different license</source>
        <translation>芯片中已有另一个授权</translation>
    </message>
    <message>
        <source>set the module aside for a supervisor</source>
        <translation>请将模组放到一边，交给主管处理</translation>
    </message>
    <message>
        <source>Another chip reports the same identity</source>
        <translation>另一颗芯片报告了相同的身份</translation>
    </message>
    <message>
        <source>set both modules aside for a supervisor: two chips must never share a license</source>
        <translation>请将两个模组都交给主管：两颗芯片绝不能共用一个授权</translation>
    </message>
    <message>
        <source>No licenses left in this package</source>
        <translation>此授权包已无剩余授权</translation>
    </message>
    <message>
        <source>load the next package</source>
        <translation>请加载下一个授权包</translation>
    </message>
    <message>
        <source>The station cannot record the write</source>
        <translation>工位无法记录本次烧录</translation>
    </message>
    <message>
        <source>the disk may be full or read-only: call a supervisor</source>
        <translation>磁盘可能已满或只读：请联系主管</translation>
    </message>
    <message>
        <source>The chip stopped answering</source>
        <translation>芯片停止响应</translation>
    </message>
    <message>
        <source>unplug it, plug it in again and retry</source>
        <translation>请拔出后重新插入，再重试</translation>
    </message>
    <message>
        <source>Stopped by the operator</source>
        <translation>已被操作员停止</translation>
    </message>
    <message>
        <source>Internal error in prodtool</source>
        <translation>prodtool 内部错误</translation>
    </message>
    <message>
        <source>export a support bundle for the developers</source>
        <translation>请导出技术支持包发给开发人员</translation>
    </message>
</context>
<context>
    <name>SecretDialog</name>
    <message>
        <source>Type it in first.</source>
        <translation>请先输入。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Station settings</source>
        <translation>工位设置</translation>
    </message>
    <message>
        <source>Station ID:</source>
        <translation>工位编号：</translation>
    </message>
    <message>
        <source>Operator:</source>
        <translation>操作员：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Auto-start:</source>
        <translation>自动开始：</translation>
    </message>
    <message>
        <source>Baud rates:</source>
        <translation>波特率：</translation>
    </message>
    <message>
        <source>Retries:</source>
        <translation>重试次数：</translation>
    </message>
    <message>
        <source>USB adapters (VID:PID):</source>
        <translation>USB 适配器（VID:PID）：</translation>
    </message>
    <message>
        <source>Only these ports:</source>
        <translation>仅用这些端口：</translation>
    </message>
    <message>
        <source>Never these ports:</source>
        <translation>不用这些端口：</translation>
    </message>
    <message>
        <source>Supervisor PIN:</source>
        <translation>主管 PIN 码：</translation>
    </message>
    <message>
        <source>As the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Start writing as soon as a module is plugged in</source>
        <translation>模组一插入就开始烧录</translation>
    </message>
    <message>
        <source>Fastest first, separated by commas</source>
        <translation>由快到慢，用逗号分隔</translation>
    </message>
    <message>
        <source>Empty: any USB serial adapter</source>
        <translation>留空：任何 USB 转串口适配器</translation>
    </message>
    <message>
        <source>Port name patterns such as /dev/ttyUSB*; empty: all</source>
        <translation>端口名通配符，例如 /dev/ttyUSB*；留空：全部</translation>
    </message>
    <message>
        <source>Change the supervisor PIN…</source>
        <translation>修改主管 PIN 码…</translation>
    </message>
    <message>
        <source>A new PIN is asked for after saving</source>
        <translation>保存后将要求输入新 PIN 码</translation>
    </message>
    <message>
        <source>Baud rates: whole numbers separated by commas.</source>
        <translation>波特率：用逗号分隔的整数。</translation>
    </message>
    <message>
        <source>The station needs an ID.</source>
        <translation>工位需要一个编号。</translation>
    </message>
</context>
<context>
    <name>State</name>
    <message>
        <source>Waiting</source>
        <translation>等待</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>Identifying</source>
        <translation>识别中</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>检查中</translation>
    </message>
    <message>
        <source>Writing</source>
        <translation>烧录中</translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation>校验中</translation>
    </message>
    <message>
        <source>Licensing</source>
        <translation>写授权</translation>
    </message>
    <message>
        <source>PASSED</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Remove chip</source>
        <translation>请取下</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Plug in a module</source>
        <translation>请插入模组</translation>
    </message>
    <message>
        <source>Connecting to the chip</source>
        <translation>正在连接芯片</translation>
    </message>
    <message>
        <source>Reading the chip&apos;s identity</source>
        <translation>正在读取芯片身份</translation>
    </message>
    <message>
        <source>Checking what the chip holds</source>
        <translation>正在检查芯片现有内容</translation>
    </message>
    <message>
        <source>Writing firmware</source>
        <translation>正在烧录固件</translation>
    </message>
    <message>
        <source>Verifying firmware</source>
        <translation>正在校验固件</translation>
    </message>
    <message>
        <source>Writing the license</source>
        <translation>正在写入授权</translation>
    </message>
    <message>
        <source>Verifying the license</source>
        <translation>正在校验授权</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Take the module out</source>
        <translation>请取下模组</translation>
    </message>
    <message>
        <source>Stopped by the operator</source>
        <translation>已被操作员停止</translation>
    </message>
</context>
<context>
    <name>StationWindow</name>
    <message>
        <source>No station is running.</source>
        <translation>工位未运行。</translation>
    </message>
    <message>
        <source>Nothing started: %1.</source>
        <translation>未开始：%1。</translation>
    </message>
    <message>
        <source>Changing a slot</source>
        <translation>修改槽位</translation>
    </message>
    <message>
        <source>Wrong PIN: the slot was not changed.</source>
        <translation>PIN 错误：槽位未修改。</translation>
    </message>
    <message>
        <source>Slot %1</source>
        <translation>槽位 %1</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Number:</source>
        <translation>编号：</translation>
    </message>
    <message>
        <source>All slots fine.</source>
        <translation>所有槽位正常。</translation>
    </message>
    <message>
        <source>Needs attention: slot %1</source>
        <translation>需要处理：槽位 %1</translation>
    </message>
    <message>
        <source>Notices</source>
        <translation>通知</translation>
    </message>
    <message>
        <source>Nothing yet.</source>
        <translation>暂无。</translation>
    </message>
    <message>
        <source>PASSED in %1 s, license %2</source>
        <translation>通过，用时 %1 秒，授权 %2</translation>
    </message>
    <message>
        <source>Auto-start: ON</source>
        <translation>自动开始：开</translation>
    </message>
    <message>
        <source>Auto-start: OFF</source>
        <translation>自动开始：关</translation>
    </message>
    <message>
        <source>Load a credential package or License List</source>
        <translation>加载授权包或授权清单</translation>
    </message>
    <message>
        <source>Packages and License Lists (*.prodpkg *.csv *.xlsx);;All files (*)</source>
        <translation>授权包和授权清单 (*.prodpkg *.csv *.xlsx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message>
        <source>Cannot save the shift&apos;s counters: %1</source>
        <translation>无法保存本班次计数：%1</translation>
    </message>
    <message>
        <source>No package was loaded before.</source>
        <translation>之前没有加载过授权包。</translation>
    </message>
    <message>
        <source>Last package: %1. Station ▸ Load the last package again (the password is asked).</source>
        <translation>上次的授权包：%1。工位 ▸ 重新加载上次的授权包（需再次输入密码）。</translation>
    </message>
    <message>
        <source>Loaded %1.</source>
        <translation>已加载 %1。</translation>
    </message>
    <message>
        <source>Export the write log</source>
        <translation>导出烧录记录</translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON (*.json)</source>
        <translation>CSV (*.csv);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Exported %1 record(s) to %2, signed (%3).</source>
        <translation>已导出 %1 条记录到 %2，并已签名（%3）。</translation>
    </message>
    <message>
        <source>Save a support bundle</source>
        <translation>保存支持包</translation>
    </message>
    <message>
        <source>Support bundle saved to %1.</source>
        <translation>支持包已保存到 %1。</translation>
    </message>
    <message>
        <source>Changing the settings</source>
        <translation>修改设置</translation>
    </message>
    <message>
        <source>Wrong PIN: the settings were not changed.</source>
        <translation>PIN 码错误：设置未修改。</translation>
    </message>
    <message>
        <source>A new supervisor PIN</source>
        <translation>设置新的主管 PIN 码</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>Trusting a new issuer key</source>
        <translation>信任新的签发方密钥</translation>
    </message>
    <message>
        <source>Wrong PIN: no key was added.</source>
        <translation>PIN 码错误：未添加密钥。</translation>
    </message>
    <message>
        <source>The issuer&apos;s public key</source>
        <translation>签发方公钥</translation>
    </message>
    <message>
        <source>Public keys (*.pem);;All files (*)</source>
        <translation>公钥 (*.pem);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Packages signed by issuer key %1 are now accepted.</source>
        <translation>现在接受由签发方密钥 %1 签名的授权包。</translation>
    </message>
    <message>
        <source>Release a quarantined license</source>
        <translation>解除隔离授权</translation>
    </message>
    <message>
        <source>UUID of the quarantined license:</source>
        <translation>被隔离授权的 UUID：</translation>
    </message>
    <message>
        <source>Releasing a quarantined license</source>
        <translation>解除隔离授权</translation>
    </message>
    <message>
        <source>Wrong PIN: the license stays quarantined.</source>
        <translation>PIN 码错误：该授权仍处于隔离状态。</translation>
    </message>
    <message>
        <source>License %1 released; it is now %2.</source>
        <translation>授权 %1 已解除隔离，当前状态：%2。</translation>
    </message>
    <message>
        <source>prodtool station %1</source>
        <translation>prodtool 工位 %1</translation>
    </message>
    <message>
        <source>DEMO</source>
        <translation>演示</translation>
    </message>
    <message>
        <source>Load package…</source>
        <translation>加载授权包…</translation>
    </message>
    <message>
        <source>Export write log…</source>
        <translation>导出烧录记录…</translation>
    </message>
    <message>
        <source>Start all waiting</source>
        <translation>开始所有等待中的</translation>
    </message>
    <message>
        <source>Retry all failed</source>
        <translation>重试所有失败的</translation>
    </message>
    <message>
        <source>Notices…</source>
        <translation>通知…</translation>
    </message>
    <message>
        <source>New shift (counters to zero)</source>
        <translation>新班次（计数清零）</translation>
    </message>
    <message>
        <source>Load the last package again…</source>
        <translation>重新加载上次的授权包…</translation>
    </message>
    <message numerus="yes">
        <source>%n module(s) are being written.</source>
        <translation>
            <numerusform>%n 个模块正在写入。</numerusform>
        </translation>
    </message>
    <message>
        <source>Stopping now leaves them half-written.</source>
        <translation>现在停止会使它们只写了一半。</translation>
    </message>
    <message>
        <source>Finish them, then quit</source>
        <translation>写完后再退出</translation>
    </message>
    <message>
        <source>Stop now</source>
        <translation>立即停止</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stopping now leaves this module half-written.</source>
        <translation>现在停止会使该模块只写了一半。</translation>
    </message>
    <message>
        <source>Let it finish</source>
        <translation>让它写完</translation>
    </message>
    <message numerus="yes">
        <source>Finishing %n module(s), then quitting.</source>
        <translation>
            <numerusform>正在写完 %n 个模块，然后退出。</numerusform>
        </translation>
    </message>
    <message>
        <source>Start writing as soon as a module is plugged in</source>
        <translation>模组一插入就开始烧录</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>QA check…</source>
        <translation>质检…</translation>
    </message>
    <message>
        <source>Trust an issuer key…</source>
        <translation>信任签发方密钥…</translation>
    </message>
    <message>
        <source>Release a quarantined license…</source>
        <translation>解除隔离授权…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Station</source>
        <translation>工位(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;upervisor</source>
        <translation>主管(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
</context>
<context>
    <name>ThroughputChart</name>
    <message>
        <source>Devices per %1 min</source>
        <translation>每 %1 分钟的设备数</translation>
    </message>
</context>
</TS>
